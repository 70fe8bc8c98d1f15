// The Priority admission: a pod's priorityClassName resolved into priority and preemptionPolicy
// (the named class, the globalDefault class, else 0), Kubernetes' refusals, and at most one
// globalDefault PriorityClass.
import assert from 'node:assert/strict';
import * as K from '../../../../lib/api/kinds';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { PriorityClass } from '../../../../lib/gen/kite/scheduling/v1/types';
import type { AdmissionRequest } from '../../../../services/apiserver/admission/chain';
import { Priority } from '../../../../services/apiserver/admission/priority';

function request(kind: K.KindInfo<any>, object: any, verb: 'create' | 'update' = 'create', namespace = 'default'): AdmissionRequest {
  return { kind, rpc: `Create${kind.kind}`, verb, request: {}, object, user: { name: 'u', groups: [], uid: '' }, attributes: { namespace, subresource: '' } as never, dryRun: false, warn: () => {}, auditAnnotations: {} };
}

const cls = (name: string, value: number, globalDefault = false, preemptionPolicy = 'PreemptLowerPriority') => PriorityClass.fromPartial({ metadata: { name }, value, globalDefault, preemptionPolicy });
const pod = (spec: Partial<Pod['spec']> = {}) => Pod.fromPartial({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } });
const SYSTEM = cls('system-cluster-critical', 2000000000);

describe('Priority admission', () => {
  it('resolves the named class into priority and preemptionPolicy, in any namespace for the system classes', () => {
    const plugin = new Priority({ cachedList: () => [SYSTEM, cls('low', 10, false, 'Never')] });
    const p = pod({ priorityClassName: 'low' });
    plugin.admit(request(K.Pods, p));
    assert.equal(p.spec!.priority, 10);
    assert.equal(p.spec!.preemptionPolicy, 'Never');
    const critical = pod({ priorityClassName: 'system-cluster-critical' });
    plugin.admit(request(K.Pods, critical, 'create', 'team-a'));
    assert.equal(critical.spec!.priority, 2000000000);
  });

  it('gives a pod naming no class the globalDefault class (the lowest if several), else priority 0 and PreemptLowerPriority', () => {
    const p = pod();
    new Priority({ cachedList: () => [cls('high', 1000, true), cls('def', 5, true), cls('other', 7)] }).admit(request(K.Pods, p));
    assert.equal(p.spec!.priorityClassName, 'def');
    assert.equal(p.spec!.priority, 5);
    const none = pod();
    new Priority({ cachedList: () => [cls('other', 7)] }).admit(request(K.Pods, none));
    assert.equal(none.spec!.priorityClassName, '');
    assert.equal(none.spec!.priority, 0);
    assert.equal(none.spec!.preemptionPolicy, 'PreemptLowerPriority');
  });

  it("refuses an unknown class and a priority or preemptionPolicy other than the class's, with Kubernetes' messages", () => {
    const plugin = new Priority({ cachedList: () => [cls('low', 10)] });
    assert.throws(() => plugin.admit(request(K.Pods, pod({ priorityClassName: 'gold' }))), { message: 'pods "web" is forbidden: no PriorityClass with name gold was found' });
    assert.throws(() => plugin.admit(request(K.Pods, pod({ priorityClassName: 'low', priority: 99 }))), {
      message: 'pods "web" is forbidden: the integer value of priority (99) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name',
    });
    assert.throws(() => plugin.admit(request(K.Pods, pod({ priorityClassName: 'low', preemptionPolicy: 'Never' }))), {
      message: 'pods "web" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
    });
    const same = pod({ priorityClassName: 'low', priority: 10 });
    plugin.admit(request(K.Pods, same));
    assert.equal(same.spec!.priority, 10);
  });

  it('leaves pod updates alone', () => {
    const p = pod({ priorityClassName: 'gone' });
    new Priority({ cachedList: () => [] }).admit(request(K.Pods, p, 'update'));
    assert.equal(p.spec!.priority, undefined);
  });

  it('allows one globalDefault PriorityClass: a second one is refused, the default itself may be updated', () => {
    const plugin = new Priority({ cachedList: () => [cls('def', 5, true)] });
    assert.throws(() => plugin.validate(request(K.PriorityClasses, cls('other', 7, true))), {
      message: 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass def is already marked as default. Only one default can exist',
    });
    assert.throws(() => plugin.validate(request(K.PriorityClasses, cls('other', 7, true), 'update')), /already marked as default/);
    plugin.validate(request(K.PriorityClasses, cls('def', 5, true), 'update'));
    plugin.validate(request(K.PriorityClasses, cls('other', 7)));
    new Priority({ cachedList: () => [] }).validate(request(K.PriorityClasses, cls('first', 1, true)));
  });
});
