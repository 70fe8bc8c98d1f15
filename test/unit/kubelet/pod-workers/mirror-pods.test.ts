// The kubelet's mirror pods against a fake API: one per static pod, owned by the Node; outdated,
// deleted and orphaned ones removed at once (grace 0, uid precondition) and made again where a
// static pod needs one; nothing before the node is known; a failed reconciliation retried.
import { strict as assert } from 'node:assert';
import { AlreadyExistsError, ConflictError, UnavailableError } from '../../../../lib/api/errors';
import type { Clientset } from '../../../../lib/client/clientset';
import type { DeleteOptionsLike } from '../../../../lib/client/types';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { mirrorPodFor, staticPodFromManifest } from '../../../../services/kubelet/config-sources/static-pods';
import { MirrorPods } from '../../../../services/kubelet/pod-workers/mirror-pods';
import { waitFor } from '../../../support/wait';

const manifest = (name: string, arg = '') => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: kube-system}\nspec:\n  containers: [{name: c, image: 'i:1', args: ['${arg}']}]\n`;
const staticPod = (name: string, arg = '') => staticPodFromManifest(manifest(name, arg), `/m/${name}.yaml`, 'n1');

describe('kubelet mirror pods', () => {
  let calls: string[];
  let failNext: Error | undefined;
  let statics: Pod[];
  let mirrors: Pod[];
  let nodeUid: string | undefined;

  const client = {
    pods: {
      create: async (p: Pod) => {
        if (failNext) {
          const err = failNext;
          failNext = undefined;
          throw err;
        }
        calls.push(`create ${p.metadata!.name} owner=${p.metadata!.ownerReferences[0]?.uid}`);
        return p;
      },
      delete: async (name: string, o: DeleteOptionsLike) => {
        calls.push(`delete ${name} grace=${o.gracePeriodSeconds} uid=${o.preconditions?.uid}`);
        return undefined;
      },
    },
  } as unknown as Pick<Clientset, 'pods'>;

  const mirrorOf = (pod: Pod, uid: string, deleting = false) => {
    const m = mirrorPodFor(pod, { name: 'n1', uid: 'node-uid' });
    m.metadata!.uid = uid;
    if (deleting) m.metadata!.deletionTimestamp = '2026-12-05T07:00:00Z';
    return m;
  };

  function manager(ready = true): MirrorPods {
    return new MirrorPods({ client, nodeName: 'n1', nodeUid: () => nodeUid, ready: () => ready, staticPods: () => statics, mirrorPods: () => mirrors });
  }

  beforeEach(() => {
    calls = [];
    failNext = undefined;
    statics = [];
    mirrors = [];
    nodeUid = 'node-uid';
  });

  it('creates a missing mirror pod owned by the Node and leaves a current one alone', async () => {
    const a = staticPod('a');
    const b = staticPod('b');
    statics = [a, b];
    mirrors = [mirrorOf(b, 'mb')];
    await manager().request();
    assert.deepEqual(calls, ['create a-n1 owner=node-uid']);
  });

  it('deletes a mirror pod that is being deleted, outdated or orphaned, and makes it again where needed', async () => {
    const a = staticPod('a');
    const b = staticPod('b');
    statics = [a, b];
    mirrors = [mirrorOf(a, 'ma', true), mirrorOf(staticPod('b', 'old'), 'mb'), mirrorOf(staticPod('gone'), 'mg')];
    await manager().request();
    assert.deepEqual(calls, [
      'delete a-n1 grace=0 uid=ma',
      'delete b-n1 grace=0 uid=mb',
      'delete gone-n1 grace=0 uid=mg',
      'create a-n1 owner=node-uid',
      'create b-n1 owner=node-uid',
    ]);
  });

  it('does nothing before the node is registered or the informer has synced; a mirror pod made meanwhile is no error', async () => {
    statics = [staticPod('a')];
    await manager(false).request();
    nodeUid = undefined;
    await manager().request();
    assert.deepEqual(calls, []);
    nodeUid = 'node-uid';
    failNext = new AlreadyExistsError('pods "a-n1" already exists');
    await manager().request();
    assert.deepEqual(calls, []);
  });

  it('retries a reconciliation the apiserver failed', async () => {
    statics = [staticPod('a')];
    failNext = new UnavailableError('apiserver down');
    const m = manager();
    await m.request();
    assert.deepEqual(calls, []);
    await waitFor('the retry', () => calls.length === 1, 5_000);
    assert.deepEqual(calls, ['create a-n1 owner=node-uid']);
    m.stop();
  });

  it('a conflict (a newer mirror pod took the name) is no error', async () => {
    statics = [];
    mirrors = [mirrorOf(staticPod('a'), 'ma')];
    const remove = client.pods.delete;
    client.pods.delete = async () => {
      throw new ConflictError('uid precondition failed');
    };
    try {
      await manager().request();
    } finally {
      client.pods.delete = remove;
    }
  });
});
