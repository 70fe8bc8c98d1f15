// A pod's ServiceAccount fields as Kubernetes validates and converts them: serviceAccountName is a
// DNS subdomain, the deprecated serviceAccount mirrors it, and it cannot change on update.
import assert from 'node:assert/strict';
import { Pod, PodSpec } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { validatePod, validatePodUpdate } from '../../../../../services/apiserver/registry/validation/validation';

const pod = (spec: Partial<PodSpec> = {}) => {
  const p = Pod.fromPartial({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec } });
  defaultPod(p, DEFAULT_DEFAULTING);
  return p;
};
const lines = (cs: { field: string; message: string }[]) => cs.map((c) => `${c.field}: ${c.message}`);
const encode = (s: PodSpec) => PodSpec.encode(s).finish();

describe('pod serviceAccountName', () => {
  it('mirrors the deprecated serviceAccount both ways', () => {
    assert.deepEqual([pod({ serviceAccount: 'robot' }).spec!.serviceAccountName, pod({ serviceAccount: 'robot' }).spec!.serviceAccount], ['robot', 'robot']);
    assert.deepEqual([pod({ serviceAccountName: 'robot', serviceAccount: 'old' }).spec!.serviceAccountName, pod({ serviceAccountName: 'robot', serviceAccount: 'old' }).spec!.serviceAccount], ['robot', 'robot']);
  });

  it('must be a DNS subdomain', () => {
    assert.deepEqual(lines(validatePod(pod({ serviceAccountName: 'Robot_1' }))), [
      'spec.serviceAccountName: Invalid value: "Robot_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    ]);
  });

  it('cannot change on update', () => {
    const old = pod({ serviceAccountName: 'default' });
    const changed = structuredClone(old);
    changed.spec!.serviceAccountName = 'robot';
    changed.spec!.serviceAccount = 'robot';
    assert.deepEqual(lines(validatePodUpdate(changed, old, encode)).map((l) => l.slice(0, 61)), ['spec: Forbidden: pod updates may not change fields other than']);
  });
});
