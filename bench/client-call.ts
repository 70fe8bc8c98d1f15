// bench:client: the client CPU of one unary call through Kite's Clientset (lib/client) beside a
// bare @grpc/grpc-js client of the same generated PodService in the same run (the raw floor), for
// a get, a create, a create whose reply is not decoded (the event recorder's createWithoutReply) and
// a bind (the scheduler's call: its reply is not decoded either), by both clients.
// The server is a trivial grpc-js PodService in a process of its own (bench/lib/client-call-server.ts),
// so this process's CPU (process.cpuUsage) is the client's alone. Calls run closed loop with
// KITE_BENCH_IN_FLIGHT callers (16, as the scheduler's binds); the two clients alternate over
// rounds so both see the same machine load; the figure is the median over rounds.
//   npm run bench:client
//   KITE_BENCH_ROUNDS=3 KITE_BENCH_CALLS=2000 npm run bench:client
//   KITE_BENCH_ONLY=kite node --cpu-prof --require tsx/cjs bench/client-call.ts   (profile one side)
import { loadavg } from 'node:os';
import { credentials, Metadata, type Client } from '@grpc/grpc-js';
import { Clientset } from '../lib/client/clientset';
import { PodServiceClient, PodServiceService } from '../lib/gen/kite/core/v1/services';
import { benchPod } from './lib/api-client-worker';
import { forkWorker, stopProgram, whileRunning } from './lib/processes';
import { writeBenchmarkSection } from './lib/report';
import { fmt, median } from './lib/stats';

const ROUNDS = Number(process.env.KITE_BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.KITE_BENCH_CALLS ?? 5000);
const IN_FLIGHT = Number(process.env.KITE_BENCH_IN_FLIGHT ?? 16);
const ONLY = process.env.KITE_BENCH_ONLY as Side | undefined;

type Side = 'kite' | 'bare';
type Verb = 'get' | 'create' | 'createWithoutReply' | 'bind';
const VERBS: Verb[] = ['get', 'create', 'createWithoutReply', 'bind'];
type Call = () => Promise<unknown>;

/** Client CPU (user + system) in µs per call of `calls` calls with IN_FLIGHT callers. */
async function cpuPerCall(call: Call, calls: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < calls) await call();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

function kiteCalls(address: string): Record<Verb, Call> {
  const cs = new Clientset({ address, tls: false, namespace: 'default', source: 'bench' }, { userAgent: 'kite-scheduler' });
  const pod = benchPod('bench', 0);
  return {
    get: () => cs.pods.get('bench-0', 'default'),
    create: () => cs.pods.create(pod),
    createWithoutReply: () => cs.pods.createWithoutReply(pod),
    bind: () => cs.pods.bind('bench-0', 'hollow-node-0', 'default', '6f1c2a3e-0d7b-4c5e-9a1f-2b3c4d5e6f70'),
  };
}

function bareCalls(address: string): Record<Verb, Call> {
  const client = new PodServiceClient(address, credentials.createInsecure(), { 'grpc.enable_channelz': 0 }) as Client & InstanceType<typeof PodServiceClient>;
  const pod = benchPod('bench', 0);
  const target = { kind: 'Node', name: 'hollow-node-0', namespace: '', uid: '', apiVersion: 'v1', resourceVersion: '', fieldPath: '' };
  const bind = PodServiceService.bindPod;
  const create = PodServiceService.createPod;
  const promised = (start: (cb: (err: Error | null, res?: unknown) => void) => void): Promise<unknown> =>
    new Promise((resolve, reject) => start((err, res) => (err ? reject(err) : resolve(res))));
  return {
    get: () => promised((cb) => client.getPod({ namespace: 'default', name: 'bench-0', resourceVersion: '' }, cb)),
    create: () => promised((cb) => client.createPod({ namespace: 'default', pod, dryRun: [], fieldManager: '' }, cb)),
    createWithoutReply: () =>
      promised((cb) => client.makeUnaryRequest(create.path, create.requestSerialize, () => undefined, { namespace: 'default', pod, dryRun: [], fieldManager: '' }, new Metadata(), cb)),
    bind: () =>
      promised((cb) =>
        client.makeUnaryRequest(bind.path, bind.requestSerialize, () => undefined, { namespace: 'default', name: 'bench-0', target, uid: '6f1c2a3e-0d7b-4c5e-9a1f-2b3c4d5e6f70' }, new Metadata(), cb),
      ),
  };
}

/** What a Clientset call does beside the bare one, below the table. */
const NOTES = `A Clientset call does what the bare one does not: a deadline (grpc-js runs a timer per call
and sends grpc-timeout), the retry policy, the authorization metadata when the config has a
token (built once per token value and shared by the calls), the typed error on failure. It skips
what the bare call pays for nothing: grpc-js's capture of the caller's stack at every call (for
the stack of a grpc-js error, which the typed error does not keep: about 7% of a call's client
CPU), and, for callers that read no reply (bind, the event recorder's createWithoutReply and
patchWithoutReply, the hollow nodes' updateStatusWithoutReply), the reply's decoding. What is
left of a call is grpc-js's call stack (interceptors, resolving, retrying and load-balancing
calls, compression filter, metadata to HTTP/2 headers), Node's HTTP/2 stream per call, protobuf,
and garbage collection (about 22%).`;

async function main(): Promise<void> {
  const server = forkWorker(require.resolve('./lib/client-call-server'));
  try {
    const address = await whileRunning(new Promise<string>((resolve) => server.once('message', (m: { address: string }) => resolve(m.address))));
    const sides: Record<Side, Record<Verb, Call>> = { kite: kiteCalls(address), bare: bareCalls(address) };
    const run = (ONLY ? [ONLY] : (['kite', 'bare'] as Side[]));
    // Warm up both (connection, JIT) before measuring.
    for (const side of run) for (const verb of VERBS) await whileRunning(cpuPerCall(sides[side][verb], 1000));
    const results: Record<Side, Record<Verb, number[]>> = { kite: { get: [], create: [], createWithoutReply: [], bind: [] }, bare: { get: [], create: [], createWithoutReply: [], bind: [] } };
    const load = [loadavg()[0]];
    for (let r = 0; r < ROUNDS; r++) {
      for (const verb of VERBS) {
        for (const side of r % 2 ? [...run].reverse() : run) results[side][verb].push(await whileRunning(cpuPerCall(sides[side][verb], CALLS)));
      }
      load.push(loadavg()[0]);
      console.log(`round ${r + 1}/${ROUNDS}: ${VERBS.map((v) => `${v} ${run.map((s) => `${s} ${fmt(results[s][v][r])}`).join(' / ')} µs`).join('; ')}`);
    }
    if (ONLY) return;
    const rows = VERBS.map((verb) => {
      const kite = median(results.kite[verb]);
      const bare = median(results.bare[verb]);
      return `| ${verb} | ${fmt(kite)} | ${fmt(bare)} | ${fmt(kite / bare, 2)} |`;
    });
    const markdown = `Client CPU per unary call (µs, median of ${ROUNDS} rounds of ${CALLS} calls, ${IN_FLIGHT} in flight), Kite's Clientset
beside a bare grpc-js client of the same generated service (channelz off, no metadata, no deadline),
against a trivial grpc-js PodService in another process. Load average during the run: ${fmt(Math.min(...load))}-${fmt(Math.max(...load))}.

| call | Clientset µs | bare grpc-js µs | Clientset ÷ bare |
|---|---|---|---|
${rows.join('\n')}

${NOTES}
`;
    console.log(markdown);
    if (process.env.KITE_BENCH_NO_REPORT !== '1') writeBenchmarkSection('bench:client', 'npm run bench:client', markdown);
  } finally {
    await stopProgram(server);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
