// PriorityClass validation and defaults (Kubernetes' ValidatePriorityClass, ...Update,
// SetDefaults_PriorityClass), and the pod's preemptionPolicy and schedulingGates rules, with
// Kubernetes' paths and messages.
import assert from 'node:assert/strict';
import { Pod } from '../../../../../lib/gen/kite/core/v1/types';
import { PriorityClass } from '../../../../../lib/gen/kite/scheduling/v1/types';
import { defaultPriorityClass, validatePriorityClass, validatePriorityClassUpdate } from '../../../../../services/apiserver/registry/validation/priorityclass-validation';
import { validatePod, validatePodUpdate } from '../../../../../services/apiserver/registry/validation/validation';
import { keepPodPriorityOnUpdate } from '../../../../../services/apiserver/registry/validation/pod-scheduling-validation';
import { PodSpec } from '../../../../../lib/gen/kite/core/v1/types';

const lines = (causes: { field: string; message: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);
const pc = (name: string, value: number, extra: Partial<PriorityClass> = {}) => {
  const c = PriorityClass.fromPartial({ metadata: { name }, value, ...extra });
  defaultPriorityClass(c);
  return c;
};
const pod = (spec: Partial<Pod['spec']>) => Pod.fromPartial({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', ...spec } });

describe('PriorityClass validation', () => {
  it('defaults preemptionPolicy to PreemptLowerPriority and accepts user classes up to 1000000000', () => {
    const c = pc('high', 1000000000);
    assert.equal(c.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(validatePriorityClass(c), []);
    assert.deepEqual(validatePriorityClass(pc('never', -5, { preemptionPolicy: 'Never' })), []);
  });

  it('refuses larger user values, unknown system- names, built-in names with other values, bad policies', () => {
    assert.deepEqual(lines(validatePriorityClass(pc('huge', 1000000001))), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
    assert.deepEqual(lines(validatePriorityClass(pc('system-mine', 10))), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]);
    assert.deepEqual(lines(validatePriorityClass(pc('system-node-critical', 10))), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]);
    assert.deepEqual(validatePriorityClass(pc('system-cluster-critical', 2000000000)), []);
    assert.deepEqual(lines(validatePriorityClass(pc('p', 1, { preemptionPolicy: 'Sometimes' }))), ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);
  });

  it('keeps value and preemptionPolicy on update; description and globalDefault may change', () => {
    const old = pc('p', 1);
    assert.deepEqual(validatePriorityClassUpdate(pc('p', 1, { description: 'x', globalDefault: true }), old), []);
    assert.deepEqual(lines(validatePriorityClassUpdate(pc('p', 2, { preemptionPolicy: 'Never' }), old)), [
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });
});

describe('pod preemptionPolicy and schedulingGates validation', () => {
  const encode = (s: PodSpec) => PodSpec.encode(s).finish();

  it('checks the policy, gate names and duplicates, and refuses a gated pod that names its node', () => {
    assert.deepEqual(lines(validatePod(pod({ preemptionPolicy: 'Always' }))), ['spec.preemptionPolicy: Unsupported value: "Always": supported values: "PreemptLowerPriority", "Never"']);
    assert.deepEqual(lines(validatePod(pod({ schedulingGates: [{ name: 'example.com/a' }, { name: 'example.com/a' }] }))), ['spec.schedulingGates[1]: Duplicate value: "example.com/a"']);
    assert.deepEqual(lines(validatePod(pod({ schedulingGates: [{ name: 'a' }], nodeName: 'n1' }))), ['spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared']);
  });

  it('keeps the stored priority and preemptionPolicy when an update leaves them out, and refuses changing them', () => {
    const old = pod({ priority: 10, preemptionPolicy: 'Never' });
    const resent = pod({});
    keepPodPriorityOnUpdate(resent.spec, old.spec);
    assert.deepEqual(validatePodUpdate(resent, old, encode), []);
    const changed = pod({ priority: 11 });
    keepPodPriorityOnUpdate(changed.spec, old.spec);
    assert.equal(validatePodUpdate(changed, old, encode).length, 1);
  });

  it('lets an update remove gates but never add one', () => {
    const old = pod({ schedulingGates: [{ name: 'a' }, { name: 'b' }] });
    assert.deepEqual(validatePodUpdate(pod({ schedulingGates: [{ name: 'b' }] }), old, encode), []);
    assert.deepEqual(validatePodUpdate(pod({}), old, encode), []);
    assert.deepEqual(lines(validatePodUpdate(pod({ schedulingGates: [{ name: 'a' }, { name: 'c' }] }), old, encode)), ["spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new scheduling gate 'c'"]);
    assert.deepEqual(lines(validatePodUpdate(pod({ schedulingGates: [{ name: 'c' }] }), pod({}), encode)), ["spec.schedulingGates[0].name: Forbidden: only deletion is allowed, but found new scheduling gate 'c'"]);
  });
});
