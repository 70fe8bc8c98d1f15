// kitectl wait's --for parsing and condition check (kubectl's conditionFuncFor, ConditionalWait,
// JSONPathWait), and the pod `logs TYPE/NAME` picks (kubectl's podutils.ByLogging order).
import { strict as assert } from 'node:assert';
import { Deployments, Jobs } from '../../../lib/api/kinds';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Job } from '../../../lib/gen/kite/batch/v1/types';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { byLogging } from '../../../services/kitectl/logs-target';
import { conditionMet, parseWaitFor } from '../../../services/kitectl/wait';

describe('kitectl wait --for', () => {
  it('parses condition, delete and jsonpath forms, and refuses others', () => {
    assert.deepEqual(parseWaitFor('condition=Available'), { type: 'condition', name: 'Available', status: 'true' });
    assert.deepEqual(parseWaitFor('condition=Ready=false'), { type: 'condition', name: 'Ready', status: 'false' });
    assert.deepEqual(parseWaitFor('DELETE'), { type: 'delete' });
    assert.deepEqual(parseWaitFor('create'), { type: 'create' });
    assert.deepEqual(parseWaitFor('jsonpath={.status.phase}=Running'), { type: 'jsonpath', path: '{.status.phase}', value: 'Running' });
    assert.deepEqual(parseWaitFor('jsonpath={.status.readyReplicas}'), { type: 'jsonpath', path: '{.status.readyReplicas}' });
    assert.throws(() => parseWaitFor('ready'), /unrecognized condition: "ready"/);
    assert.throws(() => parseWaitFor(undefined), /unrecognized condition: ""/);
  });

  it('matches a condition by type and status in any case, not before its generation is observed', () => {
    const job = Job.fromPartial({ metadata: { name: 'pi' }, status: { conditions: [{ type: 'Complete', status: 'True' }] } });
    assert.ok(conditionMet(Jobs, job, { type: 'condition', name: 'complete', status: 'true' }));
    assert.ok(!conditionMet(Jobs, job, { type: 'condition', name: 'Complete', status: 'False' }));
    assert.ok(!conditionMet(Jobs, job, { type: 'condition', name: 'Failed', status: 'true' }));
    const d = Deployment.fromPartial({ metadata: { name: 'web', generation: 3 }, status: { observedGeneration: 2, conditions: [{ type: 'Available', status: 'True' }] } });
    assert.ok(!conditionMet(Deployments, d, { type: 'condition', name: 'Available', status: 'True' }));
    d.status!.observedGeneration = 3;
    assert.ok(conditionMet(Deployments, d, { type: 'condition', name: 'Available', status: 'True' }));
    assert.ok(conditionMet(Deployments, d, { type: 'jsonpath', path: '{.status.observedGeneration}', value: '3' }));
    assert.ok(!conditionMet(Deployments, d, { type: 'jsonpath', path: '{.status.readyReplicas}', value: '1' }));
  });
});

describe('kitectl logs TYPE/NAME: the pod kubectl picks (ByLogging)', () => {
  const pod = (name: string, o: { node?: string; phase?: string; readySince?: string; restarts?: number; created?: string }) =>
    Pod.fromPartial({
      metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
      spec: { nodeName: o.node ?? '' },
      status: {
        phase: o.phase ?? 'Pending',
        conditions: o.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.readySince }] : [],
        containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }],
      },
    });
  const first = (...pods: Pod[]) => [...pods].sort(byLogging)[0].metadata!.name;

  it('prefers scheduled, running (or finished), ready longer, restarted more, then older pods', () => {
    assert.equal(first(pod('unscheduled', { phase: 'Pending' }), pod('scheduled', { node: 'n1', phase: 'Pending' })), 'scheduled');
    assert.equal(first(pod('pending', { node: 'n1' }), pod('done', { node: 'n1', phase: 'Succeeded' })), 'done');
    assert.equal(first(pod('running', { node: 'n1', phase: 'Running' }), pod('ready', { node: 'n1', phase: 'Running', readySince: '2026-01-01T00:01:00Z' })), 'ready');
    assert.equal(
      first(pod('new', { node: 'n1', phase: 'Running', readySince: '2026-01-01T00:05:00Z' }), pod('old', { node: 'n1', phase: 'Running', readySince: '2026-01-01T00:01:00Z' })),
      'old',
    );
    assert.equal(first(pod('calm', { node: 'n1', phase: 'Running' }), pod('flappy', { node: 'n1', phase: 'Running', restarts: 3 })), 'flappy');
    assert.equal(first(pod('b', { node: 'n1', phase: 'Running', created: '2026-01-02T00:00:00Z' }), pod('a', { node: 'n1', phase: 'Running' })), 'a');
  });
});
