// Summarizes a V8 CPU profile (.cpuprofile, as KITE_BENCH_CPU_PROF makes the apiserver write):
// its busy time by part of the apiserver (each sample goes to the innermost frame that belongs to
// a part: managed fields, validation, protobuf, grpc-js ...), then the functions by self time.
// Start-up (module loading) and idle time are left out. On a shared machine a thread descheduled
// between two samples would charge the whole gap to whatever it was running: each sample counts
// for at most MAX_SAMPLE_MS.
//   npx tsx bench/cpu-profile.ts /tmp/prof/CPU.*.cpuprofile [top]
import { readFileSync } from 'node:fs';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export const MAX_SAMPLE_MS = 3;

/** The apiserver's parts, innermost first wins; a frame of none of them leaves the sample to its callers. */
const PARTS: [string, (f: CallFrame) => boolean][] = [
  ['managed fields', (f) => f.url.includes('/managed-fields/')],
  ['validation', (f) => f.url.includes('/registry/validation/')],
  ['strict decoding', (f) => f.url.includes('/strict-decoding')],
  ['pod security admission', (f) => f.url.includes('/admission/pod-security/')],
  ['other admission', (f) => f.url.includes('/admission/') && !/quota-admission|chain\.ts/.test(f.url)],
  ['Kubernetes JSON (kube-json, proto-schema)', (f) => /\/(kube-json|proto-schema)\.ts/.test(f.url)],
  ['protobuf encode / decode (lib/gen)', (f) => f.url.includes('/lib/gen/')],
  ['watch cache', (f) => f.url.includes('/apiserver/watch/')],
  ['storage (main thread)', (f) => f.url.includes('/apiserver/storage/')],
  ['request gate (authn, authz, limits)', (f) => f.url.includes('/apiserver/auth/')],
  ['metrics', (f) => /prom-client|\/apiserver\/metrics/.test(f.url)],
  ['grpc-js', (f) => f.url.includes('@grpc/grpc-js')],
  ['HTTP/2 and sockets (Node.js)', (f) => /^node:internal\/(http2|stream|net)|^node:net/.test(f.url)],
  ['registry', (f) => f.url.includes('/apiserver/registry/')],
  ['gRPC handlers', (f) => f.url.includes('/apiserver/grpc/')],
  ['other Kite code', (f) => /\/(lib|services)\//.test(f.url)],
];

export interface Summary {
  /** Busy time without start-up, ms. */
  busyMs: number;
  startupMs: number;
  idleMs: number;
  /** ms by part, with "garbage collector", "(program)" (V8 itself) and "other (Node.js, native)". */
  parts: Map<string, number>;
  /** ms of self time by function ("name url:line"). */
  self: Map<string, number>;
}

const isStartup = (f: CallFrame) => f.functionName === 'Module._load' || f.functionName === 'executeUserEntryPoint';
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

export function summarize(profile: CpuProfile): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number) => {
    const frames: CallFrame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) frames.push(byId.get(cur)!.callFrame);
    return frames;
  };
  const out: Summary = { busyMs: 0, startupMs: 0, idleMs: 0, parts: new Map(), self: new Map() };
  profile.samples.forEach((id, i) => {
    const ms = Math.min((profile.timeDeltas[i] ?? 0) / 1000, MAX_SAMPLE_MS);
    const frames = stack(id);
    const leaf = frames[0];
    if (leaf.functionName === '(idle)') {
      out.idleMs += ms;
      return;
    }
    if (frames.some(isStartup)) {
      out.startupMs += ms;
      return;
    }
    out.busyMs += ms;
    add(out.self, `${leaf.functionName || '(anonymous)'} ${leaf.url.replace(/^.*?\/(lib|services|node_modules|bench)\//, '$1/')}:${leaf.lineNumber + 1}`, ms);
    if (leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') {
      add(out.parts, leaf.functionName === '(program)' ? '(program): V8 itself' : 'garbage collector', ms);
      return;
    }
    for (const f of frames) {
      const part = PARTS.find(([, belongs]) => belongs(f));
      if (part) {
        add(out.parts, part[0], ms);
        return;
      }
    }
    add(out.parts, 'other (Node.js, native)', ms);
  });
  return out;
}

function print(file: string, top: number): void {
  const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1).padStart(5)}%`;
  console.log(`${file}: busy ${s.busyMs.toFixed(0)} ms (start-up ${s.startupMs.toFixed(0)} ms and idle ${s.idleMs.toFixed(0)} ms left out)`);
  for (const [part, ms] of [...s.parts].sort((a, b) => b[1] - a[1])) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(6)} ms  ${part}`);
  console.log('self time:');
  for (const [fn, ms] of [...s.self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(ms)} ${ms.toFixed(0).padStart(6)} ms  ${fn}`);
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/cpu-profile.ts FILE.cpuprofile [top]');
    process.exit(2);
  }
  print(file, Number(top ?? 25));
}
