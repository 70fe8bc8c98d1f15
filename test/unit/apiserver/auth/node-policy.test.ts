import { strict as assert } from 'node:assert';
import { Pods } from '../../../../lib/api/kinds';
import { Node, PersistentVolumeClaim, Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { AdmissionRequest } from '../../../../services/apiserver/admission/chain';
import { NodeRestriction } from '../../../../services/apiserver/admission/node-restriction';
import { NodeAuthorizer } from '../../../../services/apiserver/auth/node/node-authorizer';
import { configObjectDecision, isOwnHeartbeat, nodeDecision, persistentVolumeDecision } from '../../../../services/apiserver/auth/node/node-policy';
import { resourceAttributes, type RequestAttributes } from '../../../../services/apiserver/auth/request-attributes';

const pods = new Map([
  ['default/mine', Pod.fromPartial({ metadata: { name: 'mine', namespace: 'default' }, spec: { nodeName: 'n1' } })],
  ['default/theirs', Pod.fromPartial({ metadata: { name: 'theirs', namespace: 'default' }, spec: { nodeName: 'n2' } })],
  ['default/pending', Pod.fromPartial({ metadata: { name: 'pending', namespace: 'default' }, spec: { nodeName: '', imagePullSecrets: [{ name: 'pending-pull' }] } })],
  [
    'default/configured',
    Pod.fromPartial({
      metadata: { name: 'configured', namespace: 'default' },
      spec: {
        nodeName: 'n1',
        imagePullSecrets: [{ name: 'pull' }],
        containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'env-cm' } }], env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'key-secret', key: 'k' } } }] }],
        volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'projected-cm' } }] } }],
      },
    }),
  ],
  ['default/elsewhere', Pod.fromPartial({ metadata: { name: 'elsewhere', namespace: 'default' }, spec: { nodeName: 'n2', imagePullSecrets: [{ name: 'n2-pull' }] } })],
]);
const lookup = async (ns: string, name: string) => pods.get(`${ns}/${name}`);
const onNode = (node: string, ns: string) => [...pods.values()].filter((p) => p.spec?.nodeName === node && p.metadata?.namespace === ns);
const a = (verb: string, resource: string, o: { subresource?: string; name?: string; namespace?: string; apiGroup?: string } = {}) =>
  resourceAttributes({ verb, resource, namespace: 'default', ...o });
const n1 = { name: 'system:node:n1', uid: '', groups: ['system:nodes', 'system:authenticated'] };

describe('Node authorizer and node restriction', () => {
  const table: [string, ReturnType<typeof a>, 'allow' | 'deny' | 'no-opinion'][] = [
    ['read pods', a('list', 'pods', { namespace: '' }), 'allow'],
    ['read nodes', a('get', 'nodes', { namespace: '', name: 'n2' }), 'allow'],
    ['watch services', a('watch', 'services'), 'allow'],
    ['own pod status', a('update', 'pods', { subresource: 'status', name: 'mine' }), 'allow'],
    ['other node pod status', a('update', 'pods', { subresource: 'status', name: 'theirs' }), 'deny'],
    ['unbound pod status', a('patch', 'pods', { subresource: 'status', name: 'pending' }), 'deny'],
    ['missing pod (NOT_FOUND follows)', a('update', 'pods', { subresource: 'status', name: 'gone' }), 'allow'],
    ['delete own pod', a('delete', 'pods', { name: 'mine' }), 'allow'],
    ['delete other pod', a('delete', 'pods', { name: 'theirs' }), 'deny'],
    ['create pod (a mirror pod: NodeRestriction checks it)', a('create', 'pods', { name: 'x' }), 'allow'],
    ['update pod spec', a('update', 'pods', { name: 'mine' }), 'no-opinion'],
    ['bind pod', a('create', 'pods', { subresource: 'binding', name: 'mine' }), 'no-opinion'],
    ['create own node', a('create', 'nodes', { namespace: '', name: 'n1' }), 'allow'],
    ['update other node', a('update', 'nodes', { namespace: '', name: 'n2' }), 'deny'],
    ['own node status', a('update', 'nodes', { namespace: '', name: 'n1', subresource: 'status' }), 'allow'],
    ['other node status', a('patch', 'nodes', { namespace: '', name: 'n2', subresource: 'status' }), 'deny'],
    ['own lease', a('update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n1' }), 'allow'],
    ['other lease', a('update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n2' }), 'deny'],
    ['own-named lease elsewhere', a('create', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'default', name: 'n1' }), 'deny'],
    ['events', a('create', 'events'), 'allow'],
    ['deployments', a('list', 'deployments', { apiGroup: 'apps' }), 'no-opinion'],
    ['rbac', a('create', 'clusterrolebindings', { apiGroup: 'rbac.authorization.k8s.io', namespace: '' }), 'no-opinion'],
    ['access reviews about its callers', a('create', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io', namespace: '' }), 'allow'],
    ['exec on own kubelet (nodes/proxy)', a('create', 'nodes', { namespace: '', name: 'n1', subresource: 'proxy' }), 'no-opinion'],
    ['logs on another kubelet (nodes/proxy)', a('get', 'nodes', { namespace: '', name: 'n2', subresource: 'proxy' }), 'no-opinion'],
    ['nodes/log', a('get', 'nodes', { namespace: '', name: 'n2', subresource: 'log' }), 'no-opinion'],
  ];
  for (const [name, attrs, want] of table) {
    it(name, async () => assert.equal((await nodeDecision('n1', attrs, lookup)).decision, want));
  }

  /** What NodeRestriction reads of an admission request: the user and the attributes. */
  const admission = (user: typeof n1, attributes: RequestAttributes) =>
    ({ user, attributes, kind: Pods, rpc: '', verb: undefined, request: {}, object: undefined, dryRun: false, warn: () => {}, auditAnnotations: {} }) as AdmissionRequest;

  it('the authorizer never denies (RBAC may still allow) but says why; the restriction refuses with Kubernetes wording', async () => {
    const attrs = a('update', 'pods', { subresource: 'status', name: 'theirs' });
    const r = await new NodeAuthorizer(lookup, onNode).authorize(n1, attrs);
    assert.equal(r.decision, 'no-opinion');
    assert.match(r.reason, /pod "theirs" is bound to node "n2"/);
    await assert.rejects(new NodeRestriction(lookup).validate(admission(n1, attrs)), (err: Error) => {
      assert.equal(
        err.message,
        'pods "theirs" is forbidden: User "system:node:n1" cannot update resource "pods/status" in API group "" in the namespace "default": node "n1" can only update the status of pods bound to it, and pod "theirs" is bound to node "n2"',
      );
      return true;
    });
    await new NodeRestriction(lookup).validate(admission({ ...n1, name: 'alice', groups: [] }, attrs));
  });

  it("NodeRestriction lets a node create only mirror pods bound to itself and owned by its Node, referencing nothing, with Kubernetes' reasons", async () => {
    const nodes = async (name: string) => (name === 'n1' ? Node.fromPartial({ metadata: { name: 'n1', uid: 'node-uid' } }) : undefined);
    const mirror = (over: { annotations?: Record<string, string>; nodeName?: string; owners?: object[]; spec?: object } = {}) =>
      Pod.fromPartial({
        metadata: {
          name: 'etcd-n1',
          namespace: 'kube-system',
          annotations: over.annotations ?? { 'kubernetes.io/config.mirror': 'abc' },
          ownerReferences: (over.owners ?? [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true }]) as never,
        },
        spec: { nodeName: over.nodeName ?? 'n1', containers: [{ name: 'c', image: 'i' }], ...over.spec },
      });
    const create = (pod: Pod) =>
      new NodeRestriction(lookup, nodes)
        .validate({ ...admission(n1, a('create', 'pods', { namespace: 'kube-system' })), object: pod })
        .then(() => 'admitted', (err: Error) => err.message.replace('pods "etcd-n1" is forbidden: ', ''));
    assert.equal(await create(mirror()), 'admitted');
    const owner = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true };
    const cases: [Pod, string][] = [
      [mirror({ annotations: {} }), 'pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods'],
      [mirror({ nodeName: 'n2' }), 'node "n1" can only create pods with spec.nodeName set to itself'],
      [mirror({ owners: [] }), 'node "n1" can only create pods with an owner reference set to itself'],
      [mirror({ owners: [owner, owner] }), 'node "n1" can only create pods with a single owner reference set to itself'],
      [mirror({ owners: [{ ...owner, name: 'n2' }] }), 'node "n1" can only create pods with an owner reference set to itself'],
      [mirror({ owners: [{ ...owner, controller: false }] }), 'node "n1" can only create pods with a controller owner reference set to itself'],
      [mirror({ owners: [{ ...owner, blockOwnerDeletion: true }] }), 'node "n1" must not set blockOwnerDeletion on an owner reference'],
      [mirror({ owners: [{ ...owner, uid: 'old' }] }), 'node n1 UID mismatch: expected node-uid got old'],
      [mirror({ spec: { serviceAccountName: 'default' } }), 'node "n1" can not create pods that reference a service account'],
      [mirror({ spec: { imagePullSecrets: [{ name: 'pull' }] } }), 'node "n1" can not create pods that reference secrets'],
      [mirror({ spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }] } }), 'node "n1" can not create pods that reference configmaps'],
      [mirror({ spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } }), 'node "n1" can not create pods that reference persistentvolumeclaims'],
    ];
    for (const [pod, want] of cases) assert.equal(await create(pod), want);
  });

  it("reads a Secret or ConfigMap one at a time when a pod bound to the node names it (Kubernetes' graph), with Kubernetes' reasons otherwise", async () => {
    const secret = (verb: string, name: string, o: { namespace?: string; subresource?: string } = {}) => a(verb, 'secrets', { name, ...o });
    const cases: [RequestAttributes, string][] = [
      [secret('get', 'pull'), 'allow'],
      [secret('list', 'pull'), 'allow'],
      [secret('watch', 'key-secret'), 'allow'],
      [a('watch', 'configmaps', { name: 'env-cm' }), 'allow'],
      [a('get', 'configmaps', { name: 'projected-cm' }), 'allow'],
      [a('get', 'configmaps', { name: 'pull' }), "no relationship found between node 'n1' and this object"],
      [secret('get', 'n2-pull'), "no relationship found between node 'n1' and this object"],
      [secret('get', 'pending-pull'), "no relationship found between node 'n1' and this object"],
      [secret('get', 'pull', { namespace: 'other' }), "no relationship found between node 'n1' and this object"],
      [secret('list', ''), 'No Object name found'],
      [secret('list', 'pull', { namespace: '' }), 'can only read namespaced object of this type'],
      [secret('update', 'pull'), 'can only read resources of this type'],
      [secret('get', 'pull', { subresource: 'status' }), 'cannot read subresource'],
    ];
    for (const [attrs, want] of cases) {
      const d = configObjectDecision('n1', attrs, onNode);
      assert.equal(d.decision === 'deny' ? d.reason : d.decision, want, JSON.stringify(attrs));
    }
    assert.equal(configObjectDecision('n1', a('get', 'pods', { name: 'mine' }), onNode).decision, 'no-opinion');
    const allowed = await new NodeAuthorizer(lookup, onNode).authorize(n1, secret('watch', 'pull'));
    assert.equal(allowed.decision, 'allow');
    const refused = await new NodeAuthorizer(lookup, onNode).authorize(n1, secret('get', 'n2-pull'));
    assert.deepEqual(refused, { decision: 'no-opinion', reason: "no relationship found between node 'n1' and this object" });
  });

  it("gets a PersistentVolumeClaim a pod bound to the node names, and the volume bound to it (pod -> pvc -> pv), nothing else", async () => {
    const withClaim = (name: string, node: string, claim: string) =>
      Pod.fromPartial({ metadata: { name, namespace: 'db' }, spec: { nodeName: node, volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] } });
    const dbPods = [withClaim('db-0', 'n1', 'data-0'), withClaim('db-1', 'n2', 'data-1')];
    const claims = new Map(['data-0', 'data-1'].map((n, i) => [`db/${n}`, PersistentVolumeClaim.fromPartial({ metadata: { name: n, namespace: 'db' }, spec: { volumeName: `pv-${i}` } })]));
    const podsOn = (node: string, ns: string) => dbPods.filter((p) => p.spec!.nodeName === node && (!ns || p.metadata!.namespace === ns));
    const claimOf = (ns: string, name: string) => claims.get(`${ns}/${name}`);
    const cases: [RequestAttributes, string][] = [
      [a('get', 'persistentvolumeclaims', { namespace: 'db', name: 'data-0' }), 'allow'],
      [a('get', 'persistentvolumes', { namespace: '', name: 'pv-0' }), 'allow'],
      [a('get', 'persistentvolumeclaims', { namespace: 'db', name: 'data-1' }), "no relationship found between node 'n1' and this object"],
      [a('get', 'persistentvolumes', { namespace: '', name: 'pv-1' }), "no relationship found between node 'n1' and this object"],
      [a('list', 'persistentvolumes', { namespace: '' }), 'can only get individual resources of this type'],
      [a('update', 'persistentvolumeclaims', { namespace: 'db', name: 'data-0' }), 'can only get individual resources of this type'],
    ];
    for (const [attrs, want] of cases) {
      const d = persistentVolumeDecision('n1', attrs, podsOn, claimOf);
      assert.equal(d.decision === 'deny' ? d.reason : d.decision, want, JSON.stringify(attrs));
    }
    const allowed = await new NodeAuthorizer(lookup, podsOn, claimOf).authorize(n1, a('get', 'persistentvolumes', { namespace: '', name: 'pv-0' }));
    assert.equal(allowed.decision, 'allow');
  });

  it('only a node user counts as a node', async () => {
    const notNode = { name: 'system:node:n1', uid: '', groups: [] };
    assert.equal((await new NodeAuthorizer(lookup, onNode).authorize(notNode, a('list', 'pods'))).decision, 'no-opinion');
  });

  it('recognises a node heartbeat', () => {
    assert.ok(isOwnHeartbeat('n1', a('update', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n1' })));
    assert.ok(isOwnHeartbeat('n1', a('update', 'nodes', { namespace: '', name: 'n1', subresource: 'status' })));
    assert.ok(!isOwnHeartbeat('n1', a('update', 'nodes', { namespace: '', name: 'n2', subresource: 'status' })));
    assert.ok(!isOwnHeartbeat('n1', a('get', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n1' })));
  });
});
