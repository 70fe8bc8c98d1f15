import assert from 'node:assert/strict';
import { ConflictError } from '../../../../lib/api/errors';
import type { Clientset } from '../../../../lib/client/clientset';
import { Pod, PodStatus } from '../../../../lib/gen/kite/core/v1/types';
import { StatusManager } from '../../../../services/kubelet/pod-workers/status-manager';

const pod = (uid = 'u', phase = 'Pending', rv = '5') => Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid, resourceVersion: rv }, status: { phase } });

describe('kubelet StatusManager', () => {
  it('writes only statuses the API does not hold yet, newest wins', async () => {
    const writes: string[] = [];
    const client = {
      pods: {
        updateStatus: async (p: Pod) => {
          writes.push(p.status!.phase);
          await new Promise((r) => setTimeout(r, 5));
          return { ...p, metadata: { ...p.metadata!, resourceVersion: String(Number(p.metadata!.resourceVersion) + 1) } };
        },
      },
    } as unknown as Pick<Clientset, 'pods'>;
    const m = new StatusManager(client);
    const p = pod();
    m.set(p, PodStatus.fromPartial({ phase: 'Pending' }));
    await m.flush();
    assert.deepEqual(writes, [], 'the API already holds it');
    m.set(p, PodStatus.fromPartial({ phase: 'Running' }));
    m.set(p, PodStatus.fromPartial({ phase: 'Failed' }));
    m.set(p, PodStatus.fromPartial({ phase: 'Succeeded' }));
    await m.flush();
    assert.deepEqual(writes, ['Running', 'Succeeded'], 'one write in flight; the newest follows');
    m.set(p, PodStatus.fromPartial({ phase: 'Succeeded' }));
    await m.flush();
    assert.equal(writes.length, 2);
    assert.equal(m.get('u')?.phase, 'Succeeded');
  });

  it('rereads the pod on a conflict and writes again, but never onto a re-created pod', async () => {
    let rv = 5;
    const written: string[] = [];
    let current = pod('u', 'Pending', '9');
    const client = {
      pods: {
        updateStatus: async (p: Pod) => {
          if (p.metadata!.resourceVersion !== current.metadata!.resourceVersion) throw new ConflictError('stale');
          written.push(p.status!.phase);
          return { ...p, metadata: { ...p.metadata!, resourceVersion: String(++rv) } };
        },
        get: async () => current,
      },
    } as unknown as Pick<Clientset, 'pods'>;
    const m = new StatusManager(client);
    m.set(pod('u', 'Pending', '5'), PodStatus.fromPartial({ phase: 'Running' }));
    await m.flush();
    assert.deepEqual(written, ['Running']);
    current = pod('other-uid', 'Pending', '20');
    m.set(pod('u', 'Running', '6'), PodStatus.fromPartial({ phase: 'Failed' }));
    await m.flush();
    assert.deepEqual(written, ['Running']);
  });

  it("writes a static pod's status to its mirror pod once there is one, and all of it again to a new mirror pod", async () => {
    const writes: { uid: string; phase: string }[] = [];
    const client = {
      pods: {
        updateStatus: async (p: Pod) => {
          writes.push({ uid: p.metadata!.uid, phase: p.status!.phase });
          return { ...p, metadata: { ...p.metadata!, resourceVersion: String(Number(p.metadata!.resourceVersion) + 1) } };
        },
      },
    } as unknown as Pick<Clientset, 'pods'>;
    let mirror: Pod | undefined;
    const m = new StatusManager(client, () => mirror);
    const staticPod = pod('hash', 'Pending', '');
    m.set(staticPod, PodStatus.fromPartial({ phase: 'Running' }));
    await m.flush();
    assert.deepEqual(writes, [], 'no mirror pod yet');
    assert.equal(m.get('hash')?.phase, 'Running');
    mirror = pod('mirror-1', 'Pending', '7');
    m.set(staticPod, PodStatus.fromPartial({ phase: 'Running' }));
    await m.flush();
    assert.deepEqual(writes, [{ uid: 'mirror-1', phase: 'Running' }]);
    m.set(staticPod, PodStatus.fromPartial({ phase: 'Running' }));
    await m.flush();
    assert.equal(writes.length, 1, 'the mirror pod holds it');
    // Deleted and made again: the new mirror pod has none of it.
    mirror = pod('mirror-2', 'Pending', '12');
    m.set(staticPod, PodStatus.fromPartial({ phase: 'Running' }));
    await m.flush();
    assert.deepEqual(writes, [{ uid: 'mirror-1', phase: 'Running' }, { uid: 'mirror-2', phase: 'Running' }]);
  });
});
