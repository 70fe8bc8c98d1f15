// kube-proxy sync cost against real iptables in a throwaway network namespace, beside the raw
// floor: `iptables-restore --noflush` of the very payload the proxier generated, in the same run.
// For N services x 3 endpoints it measures
//   - first sync into an empty namespace (iptables-save + generate + restore) vs raw restores there
//     of the same payload, of the same rules as one transaction, and replacing whole tables;
//   - periodic full resync with the rules in place vs raw restore of the same payload over them;
//   - Endpoints change -> rules in place (a partial sync: no iptables-save).
// Prints a markdown table and writes it to docs/benchmarks.md (its own section only).
// Run as root: npx tsx bench/proxy.ts [--sizes 100,1000,5000] [--runs 5] [--max-chains N] [--no-write]
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Service } from '../lib/gen/kite/core/v1/types';
import { EndpointSlice } from '../lib/gen/kite/discovery/v1/types';
import { EndpointSliceCache } from '../services/kube-proxy/endpointslice-cache';
import { ExecIptablesRunner, type IptablesRunner } from '../services/kube-proxy/iptables/runner';
import { renderRestore } from '../services/kube-proxy/iptables/restore-payload';
import { Proxier, defaultMaxChainsPerRestore, type SyncResult } from '../services/kube-proxy/proxier';
import { generateRules } from '../services/kube-proxy/rules';
import { buildServicePorts } from '../services/kube-proxy/service-ports';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../test/support/netns';

const endpointsPerService = 3;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Wraps the real runner to keep the last payload and time each call. */
class TimedRunner implements IptablesRunner {
  lastPayload = '';
  saveMs = 0;
  restoreMs = 0;

  constructor(private readonly inner: IptablesRunner) {}

  async save(): Promise<string> {
    const t0 = performance.now();
    const out = await this.inner.save();
    this.saveMs = performance.now() - t0;
    return out;
  }

  listRules(table: string, chain: string): Promise<string[]> {
    return this.inner.listRules(table, chain);
  }

  async restore(payload: string): Promise<void> {
    this.lastPayload = payload;
    const t0 = performance.now();
    await this.inner.restore(payload);
    this.restoreMs = performance.now() - t0;
  }
}

/** Where the last endpoint of service i moves to in change number `generation`. */
function movedIP(i: number, generation: number): string {
  return `172.16.${generation}.${(i % 250) + 1}`;
}

function ip(i: number): string {
  return `10.${244 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
}

function serviceObjects(count: number): { services: Service[]; endpoints: EndpointSlice[] } {
  const services: Service[] = [];
  const endpoints: EndpointSlice[] = [];
  for (let i = 0; i < count; i++) {
    const metadata = { namespace: `ns-${i % 20}`, name: `svc-${i}` };
    services.push(
      Service.fromPartial({
        metadata,
        spec: { type: 'ClusterIP', clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
      }),
    );
    endpoints.push(endpointsFor(metadata, i, 0));
  }
  return { services, endpoints };
}

/** The EndpointSlice of service i; `generation` shifts the last address so a change is visible in the rules. */
function endpointsFor(metadata: { namespace: string; name: string }, i: number, generation: number): EndpointSlice {
  const addresses = Array.from({ length: endpointsPerService }, (_, k) => ip(i * endpointsPerService + k));
  if (generation) addresses[endpointsPerService - 1] = movedIP(i, generation);
  return EndpointSlice.fromPartial({
    metadata: { namespace: metadata.namespace, name: `${metadata.name}-bench`, labels: { 'kubernetes.io/service-name': metadata.name } },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Figures {
  services: number;
  rules: number;
  firstSync: number[];
  /** Raw restore of the proxier's exact payload (its transactions) into an empty namespace. */
  firstRaw: number[];
  /** Raw restore of the same rules as one transaction, as a naive proxy would write them. */
  oneTransactionRaw: number[];
  /** Raw restore of that transaction without --noflush (replaces whole tables: not usable, shown as context). */
  flushRaw: number[];
  fullResync: number[];
  fullSave: number[];
  generate: number[];
  steadyRaw: number[];
  changeToRule: number[];
}

const maxChainsPerRestore = Number(arg('max-chains', String(defaultMaxChainsPerRestore)));
const clusterCIDR = '10.244.0.0/14';

function renderAll(rules: ReturnType<typeof generateRules>): string {
  return rules.nat.renderBatches(maxChainsPerRestore).join('') + rules.filter.render();
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measure(sandbox: NetnsSandbox, count: number, runs: number): Promise<Figures> {
  const { services, endpoints } = serviceObjects(count);
  const endpointMap = new EndpointSliceCache();
  for (const e of endpoints) endpointMap.upsert(e);
  const oneTransaction = generateRules(buildServicePorts(services, endpointMap), { clusterCIDR });
  const oneTransactionPayload = renderRestore([oneTransaction.filter, oneTransaction.nat]);
  const f: Figures = {
    services: count, rules: (oneTransactionPayload.match(/^-A /gm) ?? []).length,
    firstSync: [], firstRaw: [], oneTransactionRaw: [], flushRaw: [], fullResync: [], fullSave: [], generate: [], steadyRaw: [], changeToRule: [],
  };
  for (let run = 0; run < runs; run++) {
    const nodeNs = await sandbox.netns(`n${count}-${run}`);
    const runner = new TimedRunner(new ExecIptablesRunner({ netns: nodeNs }));
    const rawInto = async (role: string, argv: string[], payload: string) => {
      const ns = await sandbox.netns(`${role}${count}-${run}`);
      return timed(() => sandbox.exec(ns, argv, payload));
    };
    const proxier = new Proxier({ runner, clusterCIDR, minSyncPeriodMs: 0, syncPeriodMs: 0, maxChainsPerRestore });
    try {
      services.forEach((s) => proxier.onServiceUpsert(s));
      endpoints.forEach((e) => proxier.onEndpointSliceUpsert(e));

      let synced = once(proxier, 'synced');
      proxier.start();
      f.firstSync.push(((await synced)[0] as SyncResult).durationMs);
      const firstPayload = runner.lastPayload;
      f.firstRaw.push(await rawInto('r', ['iptables-restore', '--noflush'], firstPayload));
      f.oneTransactionRaw.push(await rawInto('o', ['iptables-restore', '--noflush'], oneTransactionPayload));
      f.flushRaw.push(await rawInto('f', ['iptables-restore'], oneTransactionPayload));

      synced = once(proxier, 'synced');
      proxier.requestFullSync();
      const full = (await synced)[0] as SyncResult;
      f.fullResync.push(full.durationMs);
      f.fullSave.push(runner.saveMs);
      f.generate.push(await timed(async () => renderAll(generateRules(buildServicePorts(services, endpointMap), { clusterCIDR }))));
      const resyncPayload = runner.lastPayload;
      f.steadyRaw.push(await timed(() => sandbox.exec(nodeNs, ['iptables-restore', '--noflush'], resyncPayload)));

      for (let change = 1; change <= 3; change++) {
        const i = (run * 7 + change * 13) % count;
        synced = once(proxier, 'synced');
        const t0 = performance.now();
        proxier.onEndpointSliceUpsert(endpointsFor(services[i].metadata as { namespace: string; name: string }, i, change));
        await synced;
        f.changeToRule.push(performance.now() - t0);
        if (run === 0 && change === 1) {
          const moved = movedIP(i, change);
          if (!(await runner.save()).includes(`--to-destination ${moved}:8080`)) throw new Error(`endpoint change not in the rules (${moved})`);
        }
      }
    } finally {
      await proxier.stop();
      await sandbox.cleanup();
    }
  }
  return f;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

function table(all: Figures[], runs: number): string {
  const m = median;
  const lines = [
    '#### Full sync into an empty node namespace (iptables-save + generate + iptables-restore)',
    '',
    `| services x ${endpointsPerService} endpoints | rules | proxier | raw restore, same payload | ratio | raw restore as one transaction | ratio | raw, replacing whole tables (unusable) |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...all.map(
      (f) =>
        `| ${f.services} | ${f.rules} | ${ms(m(f.firstSync))} | ${ms(m(f.firstRaw))} | ${ratio(m(f.firstSync), m(f.firstRaw))} ` +
        `| ${ms(m(f.oneTransactionRaw))} | ${ratio(m(f.firstSync), m(f.oneTransactionRaw))} | ${ms(m(f.flushRaw))} |`,
    ),
    '',
    '#### Periodic full resync with the rules in place (iptables-save runs while the rules are generated), and Endpoints change -> rules in place',
    '',
    `| services x ${endpointsPerService} endpoints | full resync | its iptables-save | generating the rules (JS, alone) | raw restore of the same payload | ratio | Endpoints change -> rules, median / max |`,
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...all.map(
      (f) =>
        `| ${f.services} | ${ms(m(f.fullResync))} | ${ms(m(f.fullSave))} | ${ms(m(f.generate))} | ${ms(m(f.steadyRaw))} ` +
        `| ${ratio(m(f.fullResync), m(f.steadyRaw))} | ${ms(m(f.changeToRule))} / ${ms(Math.max(...f.changeToRule))} |`,
    ),
    '',
    `Medians of ${runs} runs; change latency over ${runs * 3} changes (min sync period 0; a partial sync: no iptables-save, only the changed ` +
      `service's chains rewritten). Raw figures are plain \`iptables-restore\` runs in the same run and namespace setup. The proxier writes ` +
      `one iptables-restore run of several transactions (at most ${maxChainsPerRestore} service chains each, then the top-level chains): ` +
      `iptables-nft's --noflush restore time grows with the square of the chains declared in one transaction, which the ` +
      '"one transaction" column shows. "Replacing whole tables" (no --noflush) would drop Docker\'s rules, so no proxy can use it; it is the floor of iptables itself.',
  ];
  return lines.join('\n');
}

/** Replaces this benchmark's section of docs/benchmarks.md, leaving the others as they are. */
function writeSection(body: string): void {
  const file = join(__dirname, '..', 'docs', 'benchmarks.md');
  const start = '<!-- bench:proxy:start -->';
  const end = '<!-- bench:proxy:end -->';
  const section =
    `${start}\n## bench:proxy\n\n\`npm run bench:proxy\` (as root; iproute2 and iptables) on ${new Date().toISOString().slice(0, 10)}, ` +
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node.js ${process.version}, iptables ${iptablesVersion}. ` +
    `kube-proxy's sync against real iptables in a throwaway network namespace, beside raw iptables-restore.\n\n${body}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nEach section is written by the benchmark named in its heading.\n';
  const next = current.includes(start) && current.includes(end)
    ? current.slice(0, current.indexOf(start)) + section + current.slice(current.indexOf(end) + end.length)
    : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

let iptablesVersion = '';

async function main(): Promise<void> {
  if (!canUseNetns()) throw new Error('bench/proxy.ts needs root (network namespaces, iptables)');
  const sizes = arg('sizes', '100,1000,5000').split(',').map(Number);
  const runs = Number(arg('runs', '5'));
  await removeStaleNamespaces();
  const sandbox = new NetnsSandbox();
  const cleanup = () => void sandbox.cleanup().finally(() => process.exit(130));
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  try {
    const probe = await sandbox.netns('probe');
    iptablesVersion = (await sandbox.exec(probe, ['iptables', '--version'])).trim().replace(/^iptables /, '');
    await sandbox.cleanup();
    const all: Figures[] = [];
    for (const size of sizes) {
      process.stderr.write(`measuring ${size} services x ${endpointsPerService} endpoints, ${runs} runs...\n`);
      all.push(await measure(sandbox, size, runs));
    }
    const out = table(all, runs);
    process.stdout.write(out + '\n');
    if (!process.argv.includes('--no-write')) writeSection(out);
  } finally {
    await sandbox.cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
