// The scheduler's backend over the apiserver: preemption's status write and delete, and the
// pending pod's condition and nomination, retried when the kubelet's status write got in between.
import { strict as assert } from 'node:assert';
import { ConflictError, NotFoundError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import type { Pod, PodCondition } from '../../../lib/gen/kite/core/v1/types';
import { ApiSchedulerBackend } from '../../../services/scheduler/api-backend';
import { makePod } from './fixtures';

/** A pods client over one stored pod whose first `conflicts` status writes fail. */
function fakeClient(stored: Pod | undefined, conflicts: number) {
  const calls: string[] = [];
  const pods = {
    async get() {
      calls.push('get');
      if (!stored) throw new NotFoundError('pods "x" not found');
      return structuredClone(stored);
    },
    async updateStatus(p: Pod) {
      calls.push('updateStatus');
      if (conflicts-- > 0) throw new ConflictError('the object has been modified; please apply your changes to the latest version and try again');
      stored = p;
      return p;
    },
    async delete(name: string) {
      calls.push(`delete ${name}`);
      return stored!;
    },
  };
  return { client: { pods } as unknown as Clientset, calls, stored: () => stored };
}

const condition: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'm', lastProbeTime: '', lastTransitionTime: '' };
const events = { event: () => {} };

describe('ApiSchedulerBackend', () => {
  it('preempts a victim: DisruptionTarget in its status (again after a conflict), then a delete', async () => {
    const victim = makePod('low', { nodeName: 'n1' });
    const f = fakeClient(victim, 2);
    await new ApiSchedulerBackend(f.client, events).preemptPod(victim, condition);
    assert.deepEqual(f.calls, ['get', 'updateStatus', 'get', 'updateStatus', 'get', 'updateStatus', 'delete low']);
    assert.deepEqual(f.stored()!.status!.conditions.map((c) => [c.type, c.reason]), [['DisruptionTarget', 'PreemptionByScheduler']]);
  });

  it('leaves a victim that is gone alone', async () => {
    const f = fakeClient(undefined, 0);
    await new ApiSchedulerBackend(f.client, events).preemptPod(makePod('low', { nodeName: 'n1' }), condition);
    assert.deepEqual(f.calls, ['get']);
  });

  it("binds through pods/binding with the pod's namespace and UID, as kube-scheduler's DefaultBinder", async () => {
    const binds: unknown[][] = [];
    const client = { pods: { bind: async (...args: unknown[]) => void binds.push(args) } } as unknown as Clientset;
    await new ApiSchedulerBackend(client, events).bind(makePod('web', { ns: 'shop' }), 'n1');
    assert.deepEqual(binds, [['web', 'n1', 'shop', 'uid-web']]);
  });

  it('writes the nomination with the PodScheduled condition, and clears it', async () => {
    const pod = makePod('urgent');
    const f = fakeClient(pod, 1);
    const backend = new ApiSchedulerBackend(f.client, events);
    await backend.setPodCondition(pod, { ...condition, type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }, 'n1');
    assert.equal(f.stored()!.status!.nominatedNodeName, 'n1');
    await backend.clearNominatedNodeName(pod);
    assert.equal(f.stored()!.status!.nominatedNodeName, '');
  });
});
