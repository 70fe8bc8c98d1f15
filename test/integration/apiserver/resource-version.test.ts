// Reads at a resourceVersion over real gRPC on both stores, as Kubernetes' ListOptions and cacher
// define them: an unknown or misplaced resourceVersionMatch is INVALID_ARGUMENT with Kubernetes'
// causes; a resourceVersion the store has not reached is waited for (a write of any kind during
// the wait serves the read), then refused as Kubernetes' 504 "Too large resource version" with a
// retry-after of 1 s (gRPC UNAVAILABLE, reason Timeout); Exact reads the state at N, NotOlderThan
// the current state. A watch from a future resourceVersion is accepted, as Kubernetes' cacher
// accepts it ("clients can wait for events"): it delivers the writes after it.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { BadRequestError, InvalidError, TimeoutError } from '../../../lib/api/errors';
import { Namespace, Service } from '../../../lib/gen/kite/core/v1/types';
import { pod } from '../../support/builders';
import { backends, errorOf, Recorders, settle, uniqueName, useApiserver } from './harness';

const WAIT_MS = 1000;

for (const backend of backends()) {
  describe(`apiserver reads at a resourceVersion (${backend})`, function () {
    this.timeout(30_000);
    const h = useApiserver(backend, { resourceVersionWaitMs: WAIT_MS });
    const recorders = new Recorders();
    afterEach(() => recorders.stopAll());

    const listPods = (req: Record<string, unknown>) =>
      h.client.pods.call<{ metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] }>('list', {
        namespace: 'default',
        labelSelector: '',
        fieldSelector: '',
        resourceVersion: '',
        resourceVersionMatch: '',
        limit: 0,
        continue: '',
        ...req,
      });
    const current = async () => Number((await h.client.namespaces.list()).metadata!.resourceVersion);

    async function tooLarge(fn: () => Promise<unknown>, rv: number): Promise<void> {
      const err = await errorOf(fn);
      assert.ok(err instanceof TimeoutError, `${err.constructor.name} (${err.reason}): ${err.message}`);
      assert.equal(err.code, Status.UNAVAILABLE);
      assert.equal(err.reason, 'Timeout');
      assert.equal(err.retryAfterSeconds, 1);
      const m = /^Timeout: Too large resource version: (\d+), current: (\d+)$/.exec(err.message);
      assert.ok(m, err.message);
      assert.equal(Number(m[1]), rv);
      assert.ok(Number(m[2]) < rv, err.message);
    }

    it('refuses a list at a resourceVersion the store does not reach, with every resourceVersionMatch', async () => {
      const rv = (await current()) + 1000;
      for (const resourceVersionMatch of ['', 'NotOlderThan', 'Exact']) {
        await tooLarge(() => listPods({ resourceVersion: String(rv), resourceVersionMatch }), rv);
      }
      await tooLarge(() => listPods({ resourceVersion: String(rv), limit: 1 }), rv);
      const huge = '99999999999999999999';
      const err = await errorOf(() => listPods({ resourceVersion: huge }));
      assert.ok(err instanceof BadRequestError, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.message, `invalid resourceVersion "${huge}": out of range`);
    });

    it('refuses a get at a resourceVersion the store does not reach', async () => {
      const name = uniqueName('rv-get');
      await h.client.pods.create(pod(name));
      const rv = (await current()) + 1000;
      await tooLarge(() => h.client.pods.call('get', { namespace: 'default', name, resourceVersion: String(rv) }), rv);
      const got = await h.client.pods.call<{ metadata: { name: string } }>('get', { namespace: 'default', name, resourceVersion: String(rv - 1000) });
      assert.equal(got.metadata.name, name);
    });

    it('serves a read whose resourceVersion a write of another kind reaches during the wait', async () => {
      const name = uniqueName('rv-soon');
      await h.client.pods.create(pod(name));
      const rv = (await current()) + 1;
      const list = listPods({ resourceVersion: String(rv) });
      const get = h.client.pods.call<{ metadata: { name: string } }>('get', { namespace: 'default', name, resourceVersion: String(rv) });
      await h.client.namespaces.create(Namespace.fromPartial({ metadata: { name: uniqueName('rv-ns') } }));
      const listed = await list;
      assert.ok(Number(listed.metadata.resourceVersion) >= rv, listed.metadata.resourceVersion);
      assert.ok(listed.items.some((p) => p.metadata.name === name));
      assert.equal((await get).metadata.name, name);
    });

    it('reads the state at N with Exact and the current state with NotOlderThan', async () => {
      const first = uniqueName('rv-a');
      await h.client.pods.create(pod(first));
      const rv = await current();
      const second = uniqueName('rv-b');
      await h.client.pods.create(pod(second));
      const names = (l: { items: { metadata: { name: string } }[] }) => l.items.map((p) => p.metadata.name);
      const exact = await listPods({ resourceVersion: String(rv), resourceVersionMatch: 'Exact' });
      assert.equal(exact.metadata.resourceVersion, String(rv));
      assert.ok(names(exact).includes(first) && !names(exact).includes(second));
      for (const resourceVersionMatch of ['NotOlderThan', '']) {
        const newer = await listPods({ resourceVersion: String(rv), resourceVersionMatch });
        assert.ok(Number(newer.metadata.resourceVersion) > rv, resourceVersionMatch);
        assert.ok(names(newer).includes(first) && names(newer).includes(second), resourceVersionMatch);
      }
    });

    it('accepts a watch from a future resourceVersion and delivers the writes after it', async () => {
      const set = uniqueName('rv-watch');
      const from = (await current()) + 2;
      const w = recorders.watch(h.client.pods, { labelSelector: `set=${set}`, resourceVersion: String(from) });
      await settle();
      const after: string[] = [];
      for (const name of ['a', 'b', 'c']) {
        const created = await h.client.pods.create(pod(`${set}-${name}`, { labels: { set } }));
        if (Number(created.metadata!.resourceVersion) > from) after.push(`ADDED ${created.metadata!.name}`);
      }
      await w.untilCount(after.length);
      await settle();
      assert.deepEqual(w.summary(), after);
      assert.ok(after.length < 3, 'the first write is not after the resourceVersion');
      assert.equal(w.error, undefined);
    });

    it('refuses an unknown or misplaced resourceVersionMatch with Kubernetes\' causes', async () => {
      const rv = String(await current());
      const cases: [Record<string, unknown>, string[]][] = [
        [{ resourceVersion: rv, resourceVersionMatch: 'Newest' }, ['resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""']],
        [{ resourceVersionMatch: 'NotOlderThan' }, ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided']],
        [{ resourceVersion: '0', resourceVersionMatch: 'Exact' }, ['resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"']],
        [
          { resourceVersion: rv, resourceVersionMatch: 'Exact', continue: 'x' },
          ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided'],
        ],
      ];
      for (const [req, want] of cases) {
        const err = await errorOf(() => listPods(req));
        assert.ok(err instanceof InvalidError, `${err.constructor.name}: ${err.message}`);
        assert.deepEqual(err.causes.map((c) => `${c.field}: ${c.message}`), want, JSON.stringify(req));
        assert.equal(err.message, `ListOptions.meta.k8s.io "" is invalid: ${want.length === 1 ? want[0] : `[${want.join(', ')}]`}`);
      }
      // "0" with NotOlderThan is what informers send: any state, from the watch cache.
      await listPods({ resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' });
    });

    it('cuts a long generateName so the generated name fits 63 characters, as Kubernetes does', async () => {
      const prefix = `${'g'.repeat(60)}-`;
      const svc = await h.client.services.create(
        Service.fromPartial({ metadata: { generateName: prefix, namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } }),
      );
      const name = svc.metadata!.name;
      assert.equal(name.length, 63, name);
      assert.ok(name.startsWith(prefix.slice(0, 58)), name);
    });
  });
}
