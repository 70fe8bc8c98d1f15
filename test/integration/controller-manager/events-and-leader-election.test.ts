import { strict as assert } from 'node:assert';
import type { Clientset } from '../../../lib/client/clientset';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { ApiEventRecorder } from '../../../lib/events';
import { LeaderElector } from '../../../lib/leaderelection';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('event recorder and leader election (against a real apiserver)', function () {
  this.timeout(30_000);
  let api: TestApiserver;
  let client: Clientset;
  before(async () => {
    api = await startTestApiserver();
    client = api.client();
  });
  after(async () => api?.stop());

  it('records a repeated event once, with its count', async () => {
    const pod = await client.pods.create(Pod.fromPartial({ metadata: { name: 'ev', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
    const r = new ApiEventRecorder(client.events, 'test-controller', 'host-1');
    for (let i = 0; i < 3; i++) r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    r.event(pod, 'Normal', 'Pulled', 'Container image "nginx" already present on machine');
    await r.flush();
    const events = (await client.events.list({ namespace: 'default', fieldSelector: 'involvedObject.name=ev' })).items;
    const byReason = Object.fromEntries(events.map((e) => [e.reason, e]));
    assert.equal(events.length, 2);
    assert.equal(byReason.BackOff.count, 3);
    assert.equal(byReason.BackOff.involvedObject!.uid, pod.metadata!.uid);
    assert.equal(byReason.BackOff.source!.component, 'test-controller');
    assert.equal(byReason.Pulled.count, 1);
  });

  it('elects one leader through a Lease and fails over when it stops', async () => {
    const leading = new Set<string>();
    const stops = new Map<string, AbortController>();
    const runs: Promise<void>[] = [];
    for (const id of ['cm-a', 'cm-b']) {
      const stop = new AbortController();
      stops.set(id, stop);
      const elector = new LeaderElector({
        client: api.client().leases,
        name: 'kube-controller-manager',
        identity: id,
        leaseDurationMs: 1500,
        renewDeadlineMs: 1000,
        retryPeriodMs: 200,
        callbacks: {
          onStartedLeading: (signal) => {
            leading.add(id);
            signal.addEventListener('abort', () => leading.delete(id));
          },
        },
      });
      runs.push(elector.run(stop.signal));
    }
    await waitFor('a leader', () => leading.size === 1);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(leading.size, 1, 'still exactly one');
    const first = [...leading][0];
    const lease = await client.leases.get('kube-controller-manager', 'kube-system');
    assert.equal(lease.spec!.holderIdentity, first);
    stops.get(first)!.abort();
    const second = first === 'cm-a' ? 'cm-b' : 'cm-a';
    await waitFor('the other one leads', () => leading.has(second) && !leading.has(first), 5000);
    assert.equal((await client.leases.get('kube-controller-manager', 'kube-system')).spec!.holderIdentity, second);
    stops.get(second)!.abort();
    await Promise.all(runs);
  });
});
