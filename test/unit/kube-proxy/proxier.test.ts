import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { FakeIptablesRunner } from '../../../services/kube-proxy/iptables/fake-runner';
import { RestoreError } from '../../../services/kube-proxy/iptables/runner';
import { Proxier, type ProxierOptions, type SyncResult } from '../../../services/kube-proxy/proxier';
import { endpoints, service } from './fixtures';

const web = service('default', 'web', '10.96.0.10', [{ port: 80 }]);
const webEndpoints = (...ips: string[]) => endpoints('default', 'web', ips, [{ port: 80 }]);

describe('Proxier (fake iptables)', () => {
  let fake: FakeIptablesRunner;
  const proxiers: Proxier[] = [];

  function newProxier(options: Partial<ProxierOptions> = {}): Proxier {
    const p = new Proxier({ runner: fake, clusterCIDR: '10.244.0.0/16', minSyncPeriodMs: 0, syncPeriodMs: 0, retryMinMs: 5, ...options });
    proxiers.push(p);
    return p;
  }

  const nextSync = async (p: Proxier) => (await once(p, 'synced'))[0] as SyncResult;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const dnatTargets = () =>
    fake.userChains('nat').flatMap((c) => fake.rules('nat', c)).map((r) => /--to-destination (\S+)/.exec(r)?.[1]).filter(Boolean).sort();

  beforeEach(() => {
    fake = new FakeIptablesRunner();
  });

  afterEach(async () => {
    await Promise.all(proxiers.splice(0).map((p) => p.stop()));
  });

  it('does nothing before start, then one full sync writes chains, jumps and stats', async () => {
    const p = newProxier();
    p.onServiceUpsert(web);
    p.onEndpointSliceUpsert(webEndpoints('10.244.1.7', '10.244.2.5'));
    await sleep(20);
    assert.equal(fake.restores.length, 0);

    p.start();
    const result = await nextSync(p);
    assert.deepEqual({ full: result.full, applied: result.applied }, { full: true, applied: true });
    assert.equal(fake.saveCount, 1);
    assert.deepEqual(dnatTargets(), ['10.244.1.7:80', '10.244.2.5:80']);
    assert.deepEqual(fake.rules('nat', 'PREROUTING'), ['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    assert.deepEqual(fake.rules('nat', 'POSTROUTING'), ['-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING']);
    assert.deepEqual(fake.rules('filter', 'FORWARD').map((r) => /-j (\S+)$/.exec(r)?.[1]), ['KUBE-SERVICES', 'KUBE-CLUSTER-IPS-CHECK', 'KUBE-FORWARD']);
    assert.equal(p.syncCount, 1);
    assert.ok(p.lastSyncTime instanceof Date);
    assert.ok(typeof p.lastSyncDurationMs === 'number' && p.lastSyncDurationMs >= 0);
  });

  it('coalesces a burst of changes into one sync no sooner than the min sync period', async () => {
    const p = newProxier({ minSyncPeriodMs: 150 });
    p.onServiceUpsert(web);
    p.start();
    await nextSync(p);
    const firstSyncAt = Date.now();
    const restoresBefore = fake.restores.length;

    for (let i = 1; i <= 20; i++) p.onEndpointSliceUpsert(webEndpoints(`10.244.1.${i}`));
    await sleep(30);
    for (let i = 21; i <= 25; i++) p.onEndpointSliceUpsert(webEndpoints(`10.244.1.${i}`));
    await nextSync(p);

    assert.ok(Date.now() - firstSyncAt >= 140, 'the second sync waited for the min sync period');
    assert.equal(fake.restores.length, restoresBefore + 1);
    assert.deepEqual(dnatTargets(), ['10.244.1.25:80']);
    await sleep(200);
    assert.equal(fake.restores.length, restoresBefore + 1, 'no extra syncs afterwards');
  });

  it('rewrites only the chains of the service that changed', async () => {
    const p = newProxier();
    const api = service('default', 'api', '10.96.0.11', [{ port: 8080 }]);
    p.onServiceUpsert(web);
    p.onServiceUpsert(api);
    p.onEndpointSliceUpsert(webEndpoints('10.244.1.7'));
    p.onEndpointSliceUpsert(endpoints('default', 'api', ['10.244.1.9'], [{ port: 8080 }]));
    p.start();
    await nextSync(p);

    p.onEndpointSliceUpsert(endpoints('default', 'api', ['10.244.1.9', '10.244.2.9'], [{ port: 8080 }]));
    await nextSync(p);
    const payload = fake.restores[fake.restores.length - 1];
    assert.equal((payload.match(/^:KUBE-SVC-/gm) ?? []).length, 1);
    assert.doesNotMatch(payload, /10\.244\.1\.7/);
    assert.deepEqual(dnatTargets(), ['10.244.1.7:80', '10.244.1.9:8080', '10.244.2.9:8080']);
  });

  it('splits a large sync into transactions of chunk batches, then the top level', async () => {
    const p = newProxier({ maxChainsPerRestore: 5 });
    for (let i = 0; i < 4; i++) {
      p.onServiceUpsert(service('default', `s${i}`, `10.96.0.${i + 1}`, [{ port: 80 }]));
      p.onEndpointSliceUpsert(endpoints('default', `s${i}`, [`10.244.1.${i + 1}`, `10.244.2.${i + 1}`], [{ port: 80 }]));
    }
    p.start();
    await nextSync(p);
    // 4 services x 3 chains, at most 5 per batch and a service never split: 4 batches, then the top level.
    assert.equal(fake.restores.length, 1);
    const transactions = fake.restores[0].split(/^(?=\*)/m);
    assert.deepEqual(transactions.map((t) => t.split('\n', 1)[0]), ['*nat', '*nat', '*nat', '*nat', '*filter', '*nat']);
    assert.deepEqual(transactions.slice(0, 4).map((r) => (r.match(/^:KUBE-SVC-/gm) ?? []).length), [1, 1, 1, 1]);
    assert.doesNotMatch(transactions[5], /^:KUBE-S(VC|EP)-/m);
    assert.equal(dnatTargets().length, 8);
    assert.equal(fake.rules('nat', 'KUBE-SERVICES').length, 5);
  });

  it('skips iptables-restore when a change leaves the rules as they are', async () => {
    const p = newProxier();
    p.onServiceUpsert(web);
    p.onEndpointSliceUpsert(webEndpoints('10.244.1.7'));
    p.start();
    await nextSync(p);
    p.onEndpointSliceUpsert(webEndpoints('10.244.1.8'));
    assert.equal((await nextSync(p)).applied, true);
    const restores = fake.restores.length;

    p.onServiceUpsert(structuredClone(web));
    const result = await nextSync(p);
    assert.deepEqual({ full: result.full, applied: result.applied }, { full: false, applied: false });
    assert.equal(fake.restores.length, restores);
  });

  it('removes the chains of deleted services and endpoints without re-reading iptables', async () => {
    const p = newProxier();
    const api = service('default', 'api', '10.96.0.11', [{ port: 8080 }]);
    p.onServiceUpsert(web);
    p.onServiceUpsert(api);
    p.onEndpointSliceUpsert(webEndpoints('10.244.1.7', '10.244.2.5'));
    p.onEndpointSliceUpsert(endpoints('default', 'api', ['10.244.1.9'], [{ port: 8080 }]));
    p.start();
    await nextSync(p);
    assert.equal(fake.userChains('nat').filter((c) => /^KUBE-S(VC|EP)-/.test(c)).length, 5);

    p.onServiceDelete(api);
    p.onEndpointSliceUpsert(webEndpoints('10.244.2.5'));
    const result = await nextSync(p);
    assert.equal(result.full, false);
    assert.equal(fake.saveCount, 1);
    assert.equal(fake.userChains('nat').filter((c) => /^KUBE-S(VC|EP)-/.test(c)).length, 2);
    assert.deepEqual(dnatTargets(), ['10.244.2.5:80']);
  });

  it('logs the failing line, retries with a full sync and recovers', async () => {
    const p = newProxier();
    p.onServiceUpsert(web);
    p.onEndpointSliceUpsert(webEndpoints('10.244.1.7'));
    fake.failNextRestore('-j DNAT');
    p.start();

    const [err] = (await once(p, 'syncFailed')) as [RestoreError];
    assert.ok(err instanceof RestoreError);
    assert.match(err.lineText ?? '', /-j DNAT --to-destination 10.244.1.7:80/);
    assert.equal(fake.restores[0].split('\n')[(err.line ?? 0) - 1], err.lineText);
    assert.match(p.lastError ?? '', /line \d+/);
    assert.equal(p.syncCount, 0);

    const result = await nextSync(p);
    assert.equal(result.full, true);
    assert.equal(fake.saveCount, 2);
    assert.equal(p.lastError, undefined);
    assert.deepEqual(dnatTargets(), ['10.244.1.7:80']);
  });

  it('a restart with the same state leaves the rules identical and the jumps single', async () => {
    const first = newProxier();
    first.onServiceUpsert(web);
    first.onEndpointSliceUpsert(webEndpoints('10.244.1.7', '10.244.2.5'));
    first.start();
    await nextSync(first);
    await first.stop();
    const before = await fake.save();

    const second = newProxier();
    second.onEndpointSliceUpsert(webEndpoints('10.244.2.5', '10.244.1.7'));
    second.onServiceUpsert(web);
    second.start();
    await nextSync(second);
    assert.equal(await fake.save(), before);
  });

  it('a restart deletes chains of services that went away while it was down', async () => {
    const first = newProxier();
    first.onServiceUpsert(web);
    first.onEndpointSliceUpsert(webEndpoints('10.244.1.7'));
    first.start();
    await nextSync(first);
    await first.stop();

    const second = newProxier();
    second.start();
    await nextSync(second);
    assert.deepEqual(fake.userChains('nat').filter((c) => /^KUBE-S(VC|EP)-/.test(c)), []);
  });

  it('repairs duplicated or missing jump rules and leaves other rules in built-in chains alone', async () => {
    await fake.restore(
      [
        '*nat',
        ':DOCKER - [0:0]',
        ':KUBE-SERVICES - [0:0]',
        '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A OUTPUT -j KUBE-SERVICES',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const p = newProxier();
    p.start();
    await nextSync(p);
    assert.deepEqual(fake.rules('nat', 'PREROUTING'), [
      '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-m addrtype --dst-type LOCAL -j DOCKER',
    ]);
    assert.deepEqual(fake.rules('nat', 'OUTPUT'), ['-m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
  });

  it("a full sync puts the jumps back ahead of Docker's rules inserted above them, keeping Docker's", async () => {
    const p = newProxier();
    p.start();
    await nextSync(p);
    const docker = ['-j DOCKER-USER', '-o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', '-i docker0 ! -o docker0 -j ACCEPT'];
    // dockerd restarting: its rules go in at the top, above kube-proxy's.
    await fake.restore(['*filter', ':DOCKER-USER - [0:0]', ...[...docker].reverse().map((r) => `-I FORWARD 1 ${r}`), 'COMMIT', ''].join('\n'));
    const jumps = fake.rules('filter', 'FORWARD').slice(docker.length);

    p.onServiceUpsert(web);
    assert.equal((await nextSync(p)).full, false);
    assert.deepEqual(fake.rules('filter', 'FORWARD').slice(0, docker.length), docker, 'a partial sync does not read iptables');

    p.requestFullSync();
    assert.equal((await nextSync(p)).full, true);
    assert.deepEqual(fake.rules('filter', 'FORWARD'), [...jumps, ...docker]);
  });

  it('a periodic full sync rewrites rules changed behind its back', async () => {
    const p = newProxier({ syncPeriodMs: 50 });
    p.onServiceUpsert(web);
    p.onEndpointSliceUpsert(webEndpoints('10.244.1.7'));
    p.start();
    await nextSync(p);
    await fake.restore('*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n');
    assert.deepEqual(fake.rules('nat', 'KUBE-SERVICES'), []);

    const result = await nextSync(p);
    assert.equal(result.full, true);
    assert.equal(fake.rules('nat', 'KUBE-SERVICES').length, 2);
  });
});
