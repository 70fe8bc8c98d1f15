import { strict as assert } from 'node:assert';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../../../lib/gen/kite/rbac/v1/types';
import * as V from '../../../../../services/apiserver/registry/validation/rbac-validation';

const G = 'rbac.authorization.k8s.io';
const fields = (c: { field: string }[]) => c.map((x) => x.field);

describe('RBAC validation', () => {
  it('accepts colon names and well-formed rules', () => {
    assert.deepEqual(V.validateClusterRole(ClusterRole.fromPartial({ metadata: { name: 'system:node' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }] })), []);
  });

  it('refuses rules without verbs, resource rules without groups, and mixed or namespaced URL rules', () => {
    const causes = V.validateRole(Role.fromPartial({ metadata: { name: 'r', namespace: 'ns' }, rules: [{ resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] }));
    assert.deepEqual(fields(causes), ['rules[0].verbs', 'rules[0].apiGroups', 'rules[1].nonResourceURLs', 'rules[1].nonResourceURLs']);
    assert.deepEqual(fields(V.validateRole(Role.fromPartial({ metadata: { name: 'a/b', namespace: 'ns' } }))), ['metadata.name']);
  });

  it('checks roleRef and subjects of bindings', () => {
    const ok = { metadata: { name: 'b', namespace: 'ns' }, roleRef: { apiGroup: G, kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'Group', apiGroup: G, name: 'g' }] };
    assert.deepEqual(V.validateRoleBinding(RoleBinding.fromPartial(ok)), []);
    const bad = V.validateClusterRoleBinding(
      ClusterRoleBinding.fromPartial({ metadata: { name: 'c' }, roleRef: { apiGroup: 'x', kind: 'Role', name: '' }, subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'sa' }, { kind: 'User', name: 'u' }] }),
    );
    assert.deepEqual(fields(bad), ['roleRef.apiGroup', 'roleRef.kind', 'roleRef.name', 'subjects[0].kind', 'subjects[1].namespace', 'subjects[2].apiGroup']);
  });

  it('forbids changing roleRef', () => {
    const b = RoleBinding.fromPartial({ roleRef: { apiGroup: G, kind: 'Role', name: 'a' } });
    assert.deepEqual(V.validateRoleRefUpdate(b, b), []);
    assert.deepEqual(V.validateRoleRefUpdate(RoleBinding.fromPartial({ roleRef: { apiGroup: G, kind: 'Role', name: 'b' } }), b), [
      { field: 'roleRef', message: 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef' },
    ]);
  });
});
