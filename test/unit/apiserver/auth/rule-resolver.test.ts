// What the authorizers list of a user's permissions (SelfSubjectRulesReview): RBAC's rules split
// into resource and non-resource rules with missing roles as errors, the Node authorizer's
// incomplete answer for nodes, the union of a chain, and Kubernetes' aggregate error wording.
import { strict as assert } from 'node:assert';
import { ClusterRoleBinding, Role, RoleBinding } from '../../../../lib/gen/kite/rbac/v1/types';
import { alwaysAllow, UnionAuthorizer } from '../../../../services/apiserver/auth/authz/authorizer';
import { aggregateMessage } from '../../../../services/apiserver/auth/authz/rule-resolver';
import { NodeAuthorizer } from '../../../../services/apiserver/auth/node/node-authorizer';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS } from '../../../../services/apiserver/auth/rbac/bootstrap-policy';
import { RbacAuthorizer } from '../../../../services/apiserver/auth/rbac/rbac-authorizer';
import { fakeRbacSources } from './rbac/fake-rbac-sources';

const G = 'rbac.authorization.k8s.io';
const alice = { name: 'alice', uid: '', groups: ['system:authenticated'] };
const node = { name: 'system:node:n1', uid: '', groups: ['system:nodes', 'system:authenticated'] };

function rbac(): RbacAuthorizer {
  const f = fakeRbacSources();
  f.clusterRoles.set(BOOTSTRAP_CLUSTER_ROLES);
  f.clusterRoleBindings.set([
    ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
    ClusterRoleBinding.fromPartial({ metadata: { name: 'gone' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'gone' }, subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }] }),
  ]);
  f.roles.set([Role.fromPartial({ metadata: { name: 'r', namespace: 'ns' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }] })]);
  f.roleBindings.set([
    RoleBinding.fromPartial({ metadata: { name: 'b', namespace: 'ns' }, roleRef: { apiGroup: G, kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }] }),
    RoleBinding.fromPartial({ metadata: { name: 'b2', namespace: 'ns' }, roleRef: { apiGroup: G, kind: 'Role', name: 'missing' }, subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }] }),
  ]);
  return new RbacAuthorizer(f.sources);
}

describe('rule resolution (SelfSubjectRulesReview)', () => {
  it("RBAC lists the cluster-wide rules and the namespace's, split by kind of rule, never incomplete", () => {
    const inNs = rbac().resolveRules(alice, 'ns');
    assert.ok(inNs.resourceRules.some((r) => r.resources.includes('selfsubjectrulesreviews')));
    assert.deepEqual(inNs.resourceRules.at(-1), { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] });
    assert.deepEqual(inNs.nonResourceRules.map((r) => r.nonResourceURLs.length), [11, 5]);
    assert.equal(inNs.incomplete, false);
    assert.deepEqual(inNs.errors, ['clusterrole.rbac.authorization.k8s.io "gone" not found', 'role.rbac.authorization.k8s.io "missing" not found']);
    const elsewhere = rbac().resolveRules(alice, 'other');
    assert.ok(!elsewhere.resourceRules.some((r) => r.resources.includes('pods')));
  });

  it('a chain unions its authorizers; Node makes a node list incomplete', async () => {
    const chain = new UnionAuthorizer([new NodeAuthorizer(async () => undefined, () => []), rbac()]);
    const forNode = await chain.resolveRules(node, 'ns');
    assert.equal(forNode.incomplete, true);
    assert.deepEqual(forNode.errors, ['node authorizer does not support user rule resolution']);
    assert.equal((await chain.resolveRules(alice, 'ns')).incomplete, false);
    const everything = await new UnionAuthorizer([alwaysAllow]).resolveRules(alice, 'ns');
    assert.deepEqual(everything.resourceRules, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }]);
  });

  it("words errors as Kubernetes' aggregate does", () => {
    assert.equal(aggregateMessage([]), '');
    assert.equal(aggregateMessage(['a']), 'a');
    assert.equal(aggregateMessage(['a', 'a']), 'a');
    assert.equal(aggregateMessage(['a', 'b', 'a']), '[a, b]');
  });
});
