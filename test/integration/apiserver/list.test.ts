// Lists over real gRPC on both stores: label and field selectors, namespaces, pagination
// consistent at one resourceVersion while writes happen between pages, and OUT_OF_RANGE for a
// continue token whose revision was compacted away.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { waitFor } from '../../support/wait';
import { pod } from '../../support/builders';
import { backends, errorOf, uniqueName, useApiserver, type ApiserverHandle } from './harness';

async function namespace(h: ApiserverHandle): Promise<string> {
  const ns = uniqueName('ns');
  await h.client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  return ns;
}

const names = (list: { items: { metadata?: { name: string } }[] }) => list.items.map((i) => i.metadata!.name).sort();

/** A list served from the watch cache reaches the expected names (it may trail the store briefly). */
async function fromCache(list: () => Promise<{ items: { metadata?: { name: string } }[] }>, want: string[], what: string): Promise<void> {
  let got: string[] = [];
  await waitFor(`${what} from the watch cache`, async () => {
    got = names(await list());
    return JSON.stringify(got) === JSON.stringify(want);
  }, 3000).catch(() => assert.deepEqual(got, want, `${what} (resourceVersion 0)`));
}

for (const backend of backends()) {
  describe(`apiserver list over gRPC (${backend})`, function () {
    this.timeout(30_000);
    const h = useApiserver(backend);

    it('filters by label selectors: =, ==, !=, in, notin, exists, !exists and conjunctions', async () => {
      const ns = await namespace(h);
      const labels: Record<string, Record<string, string>> = {
        a: { env: 'prod', tier: 'web' },
        b: { env: 'dev', tier: 'web' },
        c: { env: 'prod' },
        d: {},
      };
      for (const [name, l] of Object.entries(labels)) await h.client.pods.create(pod(name, { namespace: ns, labels: l }));
      const cases: [string, string[]][] = [
        ['', ['a', 'b', 'c', 'd']],
        ['env=prod', ['a', 'c']],
        ['env==prod', ['a', 'c']],
        ['env!=prod', ['b', 'd']],
        ['env in (prod,dev)', ['a', 'b', 'c']],
        ['env notin (prod)', ['b', 'd']],
        ['tier', ['a', 'b']],
        ['!tier', ['c', 'd']],
        ['env=prod,tier=web', ['a']],
        ['env=prod,!tier', ['c']],
        ['env=staging', []],
      ];
      for (const [labelSelector, want] of cases) {
        assert.deepEqual(names(await h.client.pods.list({ namespace: ns, labelSelector })), want, labelSelector);
        // The same answer from the watch cache (resourceVersion "0", what informers use; it may lag a moment).
        await fromCache(() => h.client.pods.list({ namespace: ns, labelSelector, resourceVersion: '0' }), want, labelSelector);
      }
    });

    it('filters by field selectors: metadata.name, metadata.namespace, spec.nodeName, status.phase', async () => {
      const ns = await namespace(h);
      const other = await namespace(h);
      for (const n of ['p1', 'p2', 'p3']) await h.client.pods.create(pod(n, { namespace: ns }));
      await h.client.pods.create(pod('p1', { namespace: other }));
      await h.client.pods.bind('p1', 'node-x', ns);
      await h.client.pods.bind('p2', 'node-y', ns);
      const p2 = await h.client.pods.get('p2', ns);
      await h.client.pods.updateStatus({ ...p2, status: { ...p2.status!, phase: 'Running' } });
      const cases: [string, string[]][] = [
        ['metadata.name=p1', ['p1']],
        ['metadata.name!=p1', ['p2', 'p3']],
        [`metadata.namespace=${ns}`, ['p1', 'p2', 'p3']],
        ['spec.nodeName=node-x', ['p1']],
        ['spec.nodeName=', ['p3']],
        ['spec.nodeName!=', ['p1', 'p2']],
        ['status.phase=Running', ['p2']],
        ['status.phase==Pending', ['p1', 'p3']],
        ['status.phase!=Running,spec.nodeName!=', ['p1']],
      ];
      for (const [fieldSelector, want] of cases) {
        assert.deepEqual(names(await h.client.pods.list({ namespace: ns, fieldSelector })), want, fieldSelector);
        await fromCache(() => h.client.pods.list({ namespace: ns, fieldSelector, resourceVersion: '0' }), want, fieldSelector);
      }
      // Across namespaces, metadata.namespace narrows to one.
      const all = await h.client.pods.list({ namespace: '', fieldSelector: `metadata.name=p1` });
      assert.deepEqual(all.items.map((p) => p.metadata!.namespace).filter((n) => n === ns || n === other).sort(), [ns, other].sort());
      const one = await h.client.pods.list({ namespace: '', fieldSelector: `metadata.name=p1,metadata.namespace=${other}` });
      assert.deepEqual(one.items.map((p) => p.metadata!.namespace), [other]);
    });

    it('rejects unknown field selectors and malformed label selectors with INVALID_ARGUMENT', async () => {
      const unknown = await errorOf(() => h.client.pods.list({ fieldSelector: 'spec.containers=x' }));
      assert.equal(unknown.code, Status.INVALID_ARGUMENT);
      assert.match(unknown.message, /spec\.containers/);
      for (const labelSelector of ['env in prod', 'a=b=c', '!']) {
        assert.equal((await errorOf(() => h.client.pods.list({ labelSelector }))).code, Status.INVALID_ARGUMENT, labelSelector);
      }
    });

    it('pages with limit/continue at the first page\'s resourceVersion while writes happen between pages', async () => {
      const ns = await namespace(h);
      const initial = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      for (const n of initial) await h.client.pods.create(pod(n, { namespace: ns, labels: { i: n } }));

      const first = await h.client.pods.list({ namespace: ns, limit: 10 });
      const rv = first.metadata!.resourceVersion;
      assert.equal(first.items.length, 10);
      assert.ok(first.metadata!.continue, 'a continue token');
      const seen = first.items.map((p) => p.metadata!.name);

      // Between pages: a new pod in range, a deleted pod and an updated pod on later pages.
      await h.client.pods.create(pod('p99', { namespace: ns }));
      await h.client.pods.create(pod('p15a', { namespace: ns }));
      await h.client.pods.delete('p20', { namespace: ns });
      await h.client.pods.patch('p21', { metadata: { labels: { i: 'changed' } } }, { namespace: ns });

      let cont = first.metadata!.continue;
      let pages = 1;
      while (cont) {
        const page = await h.client.pods.list({ namespace: ns, limit: 10, continue: cont });
        assert.equal(page.metadata!.resourceVersion, rv, 'every page is at the first page\'s resourceVersion');
        assert.ok(page.items.length <= 10);
        for (const p of page.items) {
          if (p.metadata!.name === 'p21') assert.equal(p.metadata!.labels.i, 'p21', 'p21 as it was at the first page');
          seen.push(p.metadata!.name);
        }
        cont = page.metadata!.continue;
        pages++;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, initial, 'the snapshot: sorted, no new pods, the deleted pod still there, nothing twice');

      const fresh = await h.client.pods.listAll({ namespace: ns });
      assert.deepEqual(names(fresh), [...initial.filter((n) => n !== 'p20'), 'p15a', 'p99'].sort());
    });

    it('pages through a label-selected list without short pages ending early', async () => {
      const ns = await namespace(h);
      for (let i = 0; i < 30; i++) await h.client.pods.create(pod(`q${String(i).padStart(2, '0')}`, { namespace: ns, labels: { odd: String(i % 2) } }));
      const out: string[] = [];
      let cont = '';
      do {
        const page = await h.client.pods.list({ namespace: ns, labelSelector: 'odd=1', limit: 4, continue: cont });
        out.push(...page.items.map((p) => p.metadata!.name));
        cont = page.metadata!.continue;
      } while (cont);
      assert.deepEqual(out, Array.from({ length: 15 }, (_, i) => `q${String(2 * i + 1).padStart(2, '0')}`));
    });

    it('answers OUT_OF_RANGE for a continue token whose revision was compacted', async () => {
      const ns = await namespace(h);
      for (let i = 0; i < 6; i++) await h.client.pods.create(pod(`c${i}`, { namespace: ns }));
      const first = await h.client.pods.list({ namespace: ns, limit: 2 });
      await h.client.pods.patch('c5', { metadata: { labels: { after: 'yes' } } }, { namespace: ns });
      const storage = h.api.server.storage;
      await storage.compact(await storage.currentRevision());
      const err = await errorOf(() => h.client.pods.list({ namespace: ns, limit: 2, continue: first.metadata!.continue }));
      assert.equal(err.code, Status.OUT_OF_RANGE);
      assert.match(err.message, /continue parameter is too old/);
      // A new list works.
      assert.equal((await h.client.pods.listAll({ namespace: ns })).items.length, 6);
    });

    it('rejects a continue token that is not one the server made', async () => {
      const err = await errorOf(() => h.client.pods.list({ limit: 2, continue: 'bm90LWEtdG9rZW4' }));
      assert.equal(err.code, Status.INVALID_ARGUMENT);
    });
  });
}
