import { strict as assert } from 'node:assert';
import * as K from '../../../../lib/api/kinds';
import { forbiddenMessage } from '../../../../services/apiserver/auth/authz/forbidden';
import { UnionAuthorizer, parseAuthorizationModes, type Authorizer } from '../../../../services/apiserver/auth/authz/authorizer';
import { attributesForCall, nonResourceAttributes, podExecAttributes, podLogsAttributes, resourceAttributes } from '../../../../services/apiserver/auth/request-attributes';

const pick = (a: ReturnType<typeof attributesForCall>) => [a.verb, a.apiGroup, a.resource, a.subresource, a.namespace, a.name].join('|');

describe('request attributes', () => {
  it('maps every verb and subresource of the contract', () => {
    const cases: [K.KindInfo<any>, string, object, string][] = [
      [K.Pods, 'CreatePod', { namespace: '', pod: { metadata: { name: 'p', namespace: 'ns1' } } }, 'create||pods||ns1|p'],
      [K.Pods, 'CreatePod', { pod: { metadata: { name: 'p' } } }, 'create||pods||default|p'],
      [K.Pods, 'GetPod', { namespace: 'ns1', name: 'p' }, 'get||pods||ns1|p'],
      [K.Pods, 'ListPods', { namespace: '' }, 'list||pods|||'],
      [K.Pods, 'WatchPods', { namespace: 'ns1' }, 'watch||pods||ns1|'],
      [K.Pods, 'UpdatePod', { pod: { metadata: { name: 'p', namespace: 'ns1' } } }, 'update||pods||ns1|p'],
      [K.Pods, 'UpdatePodStatus', { pod: { metadata: { name: 'p' } } }, 'update||pods|status|default|p'],
      [K.Pods, 'PatchPod', { namespace: 'ns1', name: 'p', subresource: 'status' }, 'patch||pods|status|ns1|p'],
      [K.Pods, 'DeletePod', { namespace: 'ns1', name: 'p' }, 'delete||pods||ns1|p'],
      [K.Pods, 'BindPod', { namespace: 'ns1', name: 'p' }, 'create||pods|binding|ns1|p'],
      [K.Deployments, 'GetDeploymentScale', { namespace: 'ns1', name: 'd' }, 'get|apps|deployments|scale|ns1|d'],
      [K.Deployments, 'UpdateDeploymentScale', { namespace: 'ns1', name: 'd' }, 'update|apps|deployments|scale|ns1|d'],
      [K.Nodes, 'UpdateNodeStatus', { node: { metadata: { name: 'n1', namespace: 'ignored' } } }, 'update||nodes|status||n1'],
      [K.Leases, 'UpdateLease', { lease: { metadata: { name: 'n1', namespace: 'kube-node-lease' } } }, 'update|coordination.k8s.io|leases||kube-node-lease|n1'],
      [K.ClusterRoleBindings, 'ListClusterRoleBindings', {}, 'list|rbac.authorization.k8s.io|clusterrolebindings|||'],
    ];
    for (const [kind, rpc, req, want] of cases) assert.equal(pick(attributesForCall(kind, rpc, req)), want, rpc);
    assert.throws(() => attributesForCall(K.Pods, 'Frobnicate', {}), /no authorization attributes/);
    assert.equal(pick(podLogsAttributes({ namespace: 'ns1', podName: 'p' })), 'get||pods|log|ns1|p');
    assert.equal(pick(podExecAttributes({ start: { podName: 'p' } })), 'create||pods|exec|default|p');
  });

  it('names the object a list or watch selects by metadata.name, as Kubernetes RequestInfo does', () => {
    const cases: [string, object, string][] = [
      ['ListSecrets', { namespace: 'ns1', fieldSelector: 'metadata.name=s1' }, 'list||secrets||ns1|s1'],
      ['WatchSecrets', { namespace: 'ns1', fieldSelector: 'type=Opaque,metadata.name==s1' }, 'watch||secrets||ns1|s1'],
      ['ListSecrets', { namespace: 'ns1', fieldSelector: 'metadata.name!=s1' }, 'list||secrets||ns1|'],
      ['ListSecrets', { namespace: 'ns1', fieldSelector: 'metadata.name=..' }, 'list||secrets||ns1|'],
      ['ListSecrets', { namespace: 'ns1', fieldSelector: 'not a selector' }, 'list||secrets||ns1|'],
    ];
    for (const [rpc, req, want] of cases) assert.equal(pick(attributesForCall(K.Secrets, rpc, req)), want, JSON.stringify(req));
  });

  it("words refusals as Kubernetes does", () => {
    const u = { name: 'alice', uid: '', groups: [] };
    assert.equal(
      forbiddenMessage(u, resourceAttributes({ verb: 'get', resource: 'deployments', apiGroup: 'apps', namespace: 'ns1', name: 'd', subresource: 'scale' })),
      'deployments.apps "d" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "ns1"',
    );
    assert.equal(forbiddenMessage(u, resourceAttributes({ verb: 'list', resource: 'nodes' }), 'no'), 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope: no');
    assert.equal(forbiddenMessage(u, nonResourceAttributes('get', '/metrics')), 'forbidden: User "alice" cannot get path "/metrics"');
  });

  it('chains authorizers: the first allow or deny wins; reasons of the silent ones are kept', async () => {
    const say = (decision: 'allow' | 'deny' | 'no-opinion', reason: string): Authorizer => ({ authorize: () => ({ decision, reason }) });
    const u = { name: 'u', uid: '', groups: [] };
    const a = resourceAttributes({ verb: 'get', resource: 'pods' });
    assert.deepEqual(await new UnionAuthorizer([say('no-opinion', 'a'), say('allow', 'b'), say('deny', 'c')]).authorize(u, a), { decision: 'allow', reason: 'b' });
    assert.deepEqual(await new UnionAuthorizer([say('no-opinion', 'a'), say('no-opinion', ''), say('no-opinion', 'c')]).authorize(u, a), { decision: 'no-opinion', reason: 'a, c' });
    assert.deepEqual(await new UnionAuthorizer([say('deny', 'x'), say('allow', 'y')]).authorize(u, a), { decision: 'deny', reason: 'x' });
  });

  it('parses --authorization-mode', () => {
    assert.deepEqual(parseAuthorizationModes('Node, RBAC'), ['Node', 'RBAC']);
    assert.throws(() => parseAuthorizationModes('RBAC,ABAC'), /unknown mode "ABAC"/);
    assert.throws(() => parseAuthorizationModes('RBAC,RBAC'), /twice/);
    assert.throws(() => parseAuthorizationModes(' '), /at least one/);
  });
});
