// Kubernetes' rule coverage (component-helpers auth/rbac/validation policy_comparator_test.go cases).
import { strict as assert } from 'node:assert';
import { PolicyRule } from '../../../../../lib/gen/kite/rbac/v1/types';
import { breakdownRule, compactRules, compactString, uncovered } from '../../../../../services/apiserver/admission/rbac-escalation/policy-comparator';

const r = (o: Partial<PolicyRule>) => PolicyRule.fromPartial(o);
const covers = (owner: Partial<PolicyRule>[], wanted: Partial<PolicyRule>[]) => uncovered(owner.map(r), wanted.map(r)).length === 0;

describe('RBAC policy comparator', () => {
  it('breaks a rule into one group, resource, verb and name each', () => {
    const parts = breakdownRule(r({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a', 'b'] }));
    assert.deepEqual(parts.map(compactString), [
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["list"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["list"]}',
    ]);
    assert.deepEqual(breakdownRule(r({ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] })).map(compactString), ['{NonResourceURLs:["/healthz"], Verbs:["get"]}', '{NonResourceURLs:["/api/*"], Verbs:["get"]}']);
  });

  it('covers with wildcards, */subresource and resource names as Kubernetes does', () => {
    assert.ok(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments/scale'] }]));
    assert.ok(covers([{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]));
    assert.ok(!covers([{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }]));
    assert.ok(!covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }]), 'pods does not cover pods/log');
    assert.ok(!covers([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }]), 'a wildcard asked for needs a wildcard held');
    assert.ok(covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }]));
    assert.ok(!covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]), 'one name does not cover all');
    assert.ok(covers([{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }]));
    assert.ok(!covers([{ verbs: ['get'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]), 'resources never cover URLs');
  });

  it('compacts missing pieces that differ only in verbs', () => {
    const missing = uncovered([], [r({ verbs: ['create', 'delete'], apiGroups: [''], resources: ['pods', 'services'] }), r({ verbs: ['get'], nonResourceURLs: ['/x'] })]);
    assert.deepEqual(compactRules(missing).map(compactString), [
      '{APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}',
      '{APIGroups:[""], Resources:["services"], Verbs:["create" "delete"]}',
      '{NonResourceURLs:["/x"], Verbs:["get"]}',
    ]);
  });
});
