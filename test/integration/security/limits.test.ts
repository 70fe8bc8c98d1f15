// Request limits on a running apiserver: the max-in-flight filter (API Priority and Fairness
// off; overload.test.ts covers priority and fairness) refuses the excess with
// RESOURCE_EXHAUSTED and a retry-after hint while node heartbeats (own Lease, own Node status)
// and admins still get through; objects over 1.5 MiB and messages over the gRPC limit are
// refused with RESOURCE_EXHAUSTED and nothing is stored.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { RequestTooLargeError, TooManyRequestsError, type ApiError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';
import { waitFor } from '../../support/wait';

const settle = <T>(p: Promise<T>) => p.then(() => undefined, (e: ApiError) => e);
const pod = (name: string, env = '') => Pod.fromPartial({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx', env: env ? [{ name: 'BIG', value: env }] : [] }] } });

describe('security: request limits', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let kcm: Clientset;
  let node: Clientset;
  before(async () => {
    s = await startSecureApiserver({ config: { maxRequestsInflight: 2, maxMutatingRequestsInflight: 1, enablePriorityAndFairness: false } });
    admin = await s.admin();
    const pair = (f: { cert: string; key: string }) => ({ cert: readFileSync(f.cert, 'utf8'), key: readFileSync(f.key, 'utf8') });
    kcm = await s.client({ pair: pair(s.pki.controllerManager) });
    node = await s.client({ user: 'system:node:n1', groups: ['system:nodes'] });
    await node.nodes.create(Node.fromPartial({ metadata: { name: 'n1' } }));
    await node.leases.create(Lease.fromPartial({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1' } }));
  });
  after(() => s?.stop());

  it('refuses excess writes with RESOURCE_EXHAUSTED and retry-after, while heartbeats and admins get through', async () => {
    // For the whole time a kubelet heartbeats (one request at a time: Lease renewal, Node
    // status), an admin keeps the single mutating slot busy and the controller-manager keeps
    // trying to write.
    let busy = true;
    const refused: ApiError[] = [];
    let admitted = 0;
    const adminFailures: string[] = [];
    const writer = async (c: Clientset, prefix: string, onError: (e: ApiError) => void) => {
      for (let i = 0; busy; i++) {
        const e = await settle(c.pods.create(pod(`${prefix}${i}`)));
        if (e) onError(e);
        else if (c === kcm) admitted++;
      }
    };
    const heartbeat = async () => {
      const failures: string[] = [];
      try {
        for (let i = 0; i < 10; i++) {
          const lease = await node.leases.get('n1', 'kube-node-lease');
          const n1 = await node.nodes.get('n1');
          for (const e of [await settle(node.leases.update({ ...lease, spec: { ...lease.spec!, renewTime: new Date().toISOString() } })), await settle(node.nodes.updateStatus(n1))]) {
            if (e) failures.push(e.message);
          }
        }
      } finally {
        busy = false;
      }
      return failures;
    };
    const [heartbeatFailures] = await Promise.all([
      heartbeat(),
      ...['a', 'b', 'c', 'd'].map((p) => writer(admin, `admin-${p}-`, (e) => adminFailures.push(e.message))),
      ...['w', 'x', 'y', 'z'].map((p) => writer(kcm, `kcm-${p}-`, (e) => refused.push(e))),
    ]);
    assert.ok(refused.length > 0, 'some controller-manager writes were refused');
    for (const e of refused) {
      assert.ok(e instanceof TooManyRequestsError, e.message);
      assert.equal(e.code, status.RESOURCE_EXHAUSTED);
      assert.ok(e.retryAfterSeconds >= 1, 'retry-after hint');
      assert.match(e.message, /too many requests in flight \(1 mutating requests at once\); please try again later/);
    }
    assert.deepEqual(heartbeatFailures, [], 'every heartbeat landed');
    assert.deepEqual(adminFailures, [], 'system:masters is never refused');
    const stored = (await admin.pods.list()).items.filter((p) => p.metadata!.name.startsWith('kcm-')).length;
    assert.equal(stored, admitted, 'refused writes stored nothing');
    await kcm.pods.create(pod('after-the-burst'));
  });

  it('limits reads separately from writes', async () => {
    // Reads at a resourceVersion the store has not reached wait for it, holding their slots: the
    // first two wait for the admin's writes (never refused, one mutating slot of their own), the
    // others find the read pool full.
    const ahead = String(Number((await admin.pods.list()).metadata!.resourceVersion) + 20);
    let settled = 0;
    const reads = Array.from({ length: 40 }, () => settle(kcm.pods.list({ resourceVersion: ahead })).finally(() => settled++));
    await waitFor('the reads beyond the two slots refused', () => settled >= 38 || undefined, 10_000, 20);
    const writes = await Promise.all(Array.from({ length: 20 }, (_, i) => settle(admin.pods.create(pod(`r${i}`)))));
    assert.deepEqual(writes.filter((e) => e !== undefined), []);
    const refused = (await Promise.all(reads)).filter((e) => e !== undefined);
    assert.equal(refused.length, 38, refused.map((e) => e!.message).join('; '));
    assert.match(refused[0]!.message, /2 read-only requests at once/);
  });

  it('refuses an object over 1.5 MiB and a message over the gRPC limit with RESOURCE_EXHAUSTED', async () => {
    const big = await settle(admin.pods.create(pod('too-big', 'x'.repeat(1.6 * 1024 * 1024))));
    assert.ok(big instanceof RequestTooLargeError, String(big?.message));
    assert.equal(big.code, status.RESOURCE_EXHAUSTED);
    assert.match(big.message, /^Pod "too-big" is too large: \d+ bytes encoded, the limit is 1572864 bytes$/);
    const huge = await settle(admin.pods.create(pod('huge', 'x'.repeat(4 * 1024 * 1024))));
    assert.equal(huge?.code, status.RESOURCE_EXHAUSTED);
    assert.match(huge!.message, /larger than max \(\d+ vs 3145728\)/);
    const names = (await admin.pods.list()).items.map((p) => p.metadata!.name);
    assert.ok(!names.includes('too-big') && !names.includes('huge'));
  });
});
