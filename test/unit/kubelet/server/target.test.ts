// Which pod a logs/exec/port-forward call means: a static pod is found by its name and by its own
// uid or its mirror pod's (the apiserver knows it by the mirror pod); another uid is NOT_FOUND.
import { strict as assert } from 'node:assert';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { findTarget, type TargetContext } from '../../../../services/kubelet/server/target';

describe('kubelet server: the target of a call', () => {
  const pod = Pod.fromPartial({ metadata: { name: 'kube-apiserver-n1', namespace: 'kube-system', uid: 'hash' }, spec: { containers: [{ name: 'kube-apiserver' }] } });
  const ctx: TargetContext = {
    pod: (namespace, name) => (namespace === 'kube-system' && name === 'kube-apiserver-n1' ? pod : undefined),
    mirrorUid: () => 'mirror-uid',
    runtime: async () => new Map(),
  };
  const call = (podUid: string) => findTarget({ namespace: 'kube-system', podName: 'kube-apiserver-n1', podUid, container: '' }, ctx);

  it("accepts the static pod's uid, its mirror pod's, or none", async () => {
    for (const uid of ['hash', 'mirror-uid', '']) assert.equal((await call(uid)).containerName, 'kube-apiserver', uid);
  });

  it('refuses another uid as not found on this node', async () => {
    await assert.rejects(call('other'), /pod "kube-apiserver-n1" in namespace "kube-system" not found on this node/);
    await assert.rejects(findTarget({ namespace: 'kube-system', podName: 'kube-apiserver-n1', podUid: 'mirror-uid', container: '' }, { ...ctx, mirrorUid: undefined }), /not found on this node/);
  });
});
