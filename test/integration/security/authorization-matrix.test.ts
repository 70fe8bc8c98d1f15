// The authorization matrix: eleven identities (an admin, each control-plane component, the
// kubelets of two nodes, and five people, two of whom manage RBAC: carol without and dave with the
// bind and escalate verbs) x the requests a cluster sees, run as real calls against a TLS
// apiserver with --authorization-mode Node,RBAC. The expected table is written out by hand from
// Kubernetes' rules (authorization, then RBAC's escalation check on roles and bindings); the test
// counts cases and mismatches, and wants 0 of the latter. Writes use dryRun or leave objects
// unchanged, so the cases are independent.
import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import * as K from '../../../lib/api/kinds';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import { Event, Namespace, Node, Pod, Secret, Service, ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding, type Subject } from '../../../lib/gen/kite/rbac/v1/types';
import { accessReview, whoAmI } from './rpc';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const USERS = ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2', 'alice', 'bob', 'eve', 'carol', 'dave'] as const;
type User = (typeof USERS)[number];
const ALL: User[] = [...USERS];
const G = 'rbac.authorization.k8s.io';

const pod = (name: string, namespace: string, nodeName = '', serviceAccountName = '') =>
  Pod.fromPartial({ metadata: { name, namespace }, spec: { nodeName, serviceAccountName, containers: [{ name: 'c', image: 'nginx' }] } });

/** Case name -> who may do it. Every other identity must get PERMISSION_DENIED. */
const EXPECTED: Record<string, User[]> = {
  'get pod default/p1': ['admin', 'scheduler', 'controller-manager', 'node-n1', 'node-n2', 'bob'],
  // kube-proxy's network policy agent lists and watches pods and namespaces (not get: it reads its informers).
  'list pods in all namespaces': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2', 'bob'],
  'list pods in team': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2', 'alice', 'bob', 'carol'],
  'watch pods in team': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2', 'alice', 'bob', 'carol'],
  'create pod in team': ['admin', 'controller-manager', 'alice'],
  'create pod in default': ['admin', 'controller-manager'],
  'update pod team/t1': ['admin', 'controller-manager', 'alice'],
  'update status of pod p1 (on n1)': ['admin', 'scheduler', 'controller-manager', 'node-n1'],
  'update status of pod p2 (on n2)': ['admin', 'scheduler', 'controller-manager', 'node-n2'],
  'patch status of pod p2 (on n2)': ['admin', 'scheduler', 'controller-manager', 'node-n2'],
  'update status of unbound pod p0': ['admin', 'scheduler', 'controller-manager'],
  'delete pod p1 (on n1)': ['admin', 'scheduler', 'controller-manager', 'node-n1'],
  'delete pod p2 (on n2)': ['admin', 'scheduler', 'controller-manager', 'node-n2'],
  // Kubernetes' system:controller:daemon-set-controller keeps create on pods/binding (from when it bound its pods itself).
  'bind pod p1': ['admin', 'scheduler', 'controller-manager'],
  'get node n1': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2'],
  'watch nodes': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2'],
  'update node n1': ['admin', 'controller-manager', 'node-n1'],
  'update node n2': ['admin', 'controller-manager', 'node-n2'],
  'update status of node n1': ['admin', 'controller-manager', 'node-n1'],
  'update status of node n2': ['admin', 'controller-manager', 'node-n2'],
  'create node n3': ['admin'],
  'delete node n2': ['admin', 'controller-manager', 'node-n2'],
  'get lease kube-node-lease/n2': ['admin', 'controller-manager', 'node-n1', 'node-n2'],
  'update lease kube-node-lease/n1': ['admin', 'controller-manager', 'node-n1'],
  'update lease kube-node-lease/n2': ['admin', 'controller-manager', 'node-n2'],
  'create lease default/n1': ['admin', 'scheduler', 'controller-manager'],
  'list services in default': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2', 'bob'],
  'create service in default': ['admin'],
  'create service in team': ['admin', 'alice'],
  'list endpoints in all namespaces': ['admin', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2', 'bob'],
  'create event in default': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2'],
  'list deployments in team': ['admin', 'controller-manager', 'alice', 'bob', 'carol'],
  // Kubernetes' system:controller:horizontal-pod-autoscaler reads and updates the scale of Deployments.
  'get scale of deployment team/web': ['admin', 'controller-manager', 'alice', 'bob', 'carol'],
  'update scale of deployment team/web': ['admin', 'controller-manager', 'alice'],
  'create deployment in default': ['admin'],
  'list resourcequotas in team': ['admin', 'controller-manager', 'alice', 'bob', 'carol'],
  // Secrets: edit (alice) reads and writes them; view (bob, carol) cannot even read them.
  'get secret team/db': ['admin', 'controller-manager', 'alice'],
  'list secrets in team': ['admin', 'controller-manager', 'alice'],
  'create secret in team': ['admin', 'alice'],
  // Service-account tokens: edit (alice) creates them, view does not; a kubelet only for the
  // ServiceAccount of a pod bound to its node (Node authorizer, NodeRestriction).
  'create token for serviceaccount team/app': ['admin', 'alice'],
  'create token for serviceaccount default/runner bound to pod p1 (on n1)': ['admin', 'node-n1'],
  'list namespaces': ['admin', 'scheduler', 'controller-manager', 'kube-proxy', 'node-n1', 'node-n2', 'bob'],
  'create namespace': ['admin'],
  'list roles in team': ['admin', 'controller-manager'],
  'create clusterrolebinding': ['admin', 'dave'],
  // Binding updates: authorized (update on the binding) and then bind on its role, or every
  // permission of the role held in the binding's scope. The controller-manager may update any
  // binding (its garbage collector's rule) but holds neither.
  'update rolebinding team/team-admins (cluster-admin), adding a user': ['admin', 'dave'],
  'update clusterrolebinding cluster-admin, adding a user': ['admin', 'dave'],
  'update rolebinding team/readers (view), adding a user': ['admin', 'carol', 'dave'],
  'patch rolebinding team/team-admins (cluster-admin)': ['admin', 'dave'],
  'create rolebinding of cluster-admin in team': ['admin', 'dave'],
  'update role team/exec-er (pods/exec)': ['admin', 'dave'],
  'impersonate kubernetes-admin': ['admin'],
  'impersonate node n1': ['admin'],
  'ask who I am': ALL,
  'ask whether I may delete nodes': ALL,
};

type Case = (c: Clientset) => Promise<unknown>;

async function firstEvent(iter: AsyncGenerator<unknown>, abort: AbortController): Promise<void> {
  try {
    await iter.next();
  } finally {
    abort.abort();
  }
}

describe('security: authorization matrix', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  const clients = {} as Record<User, Clientset>;
  let cases: Record<string, Case>;

  before(async () => {
    s = await startSecureApiserver({
      tokens: { 'alice-t': { user: 'alice', groups: ['devs'] }, 'bob-t': { user: 'bob', groups: ['auditors'] }, 'eve-t': { user: 'eve' }, 'carol-t': { user: 'carol' }, 'dave-t': { user: 'dave' } },
    });
    const admin = await s.admin();
    const { pki } = s;
    const read = (f: { cert: string; key: string }) => ({ cert: require('node:fs').readFileSync(f.cert, 'utf8'), key: require('node:fs').readFileSync(f.key, 'utf8') });
    Object.assign(clients, {
      admin,
      scheduler: await s.client({ pair: read(pki.scheduler) }),
      'controller-manager': await s.client({ pair: read(pki.controllerManager) }),
      'kube-proxy': await s.client({ pair: read(pki.proxy) }),
      'node-n1': await s.client({ user: 'system:node:n1', groups: ['system:nodes'] }),
      'node-n2': await s.client({ user: 'system:node:n2', groups: ['system:nodes'] }),
      alice: await s.client({ token: 'alice-t' }),
      bob: await s.client({ token: 'bob-t' }),
      eve: await s.client({ token: 'eve-t' }),
      carol: await s.client({ token: 'carol-t' }),
      dave: await s.client({ token: 'dave-t' }),
    });

    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: 'team' } }));
    for (const n of ['n1', 'n2']) {
      await admin.nodes.create(Node.fromPartial({ metadata: { name: n } }));
      await admin.leases.create(Lease.fromPartial({ metadata: { name: n, namespace: 'kube-node-lease' }, spec: { holderIdentity: n } }));
    }
    await admin.pods.create(pod('p0', 'default'));
    await admin.pods.create(pod('p1', 'default', 'n1', 'runner'));
    await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'runner', namespace: 'default' } }));
    await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'app', namespace: 'team' } }));
    await admin.pods.create(pod('p2', 'default', 'n2'));
    await admin.pods.create(pod('t1', 'team'));
    await admin.secrets.create(Secret.fromPartial({ metadata: { name: 'db', namespace: 'team' }, stringData: { password: 'p' } }));
    const labels = { app: 'web' };
    await admin.deployments.create(
      Deployment.fromPartial({ metadata: { name: 'web', namespace: 'team' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }),
    );
    await admin.resource(K.RoleBindings).create(
      RoleBinding.fromPartial({ metadata: { name: 'alice-edit', namespace: 'team' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }] }),
    );
    // carol manages RBAC in team and views it; dave manages it everywhere, may bind cluster-admin and view, and escalate roles.
    const user = (name: string): Subject => ({ kind: 'User', apiGroup: G, name, namespace: '' });
    const roleBinding = (name: string, kind: 'Role' | 'ClusterRole', role: string, subject: string) =>
      RoleBinding.fromPartial({ metadata: { name, namespace: 'team' }, roleRef: { apiGroup: G, kind, name: role }, subjects: [user(subject)] });
    const clusterBinding = (name: string, role: string, subject: string) =>
      ClusterRoleBinding.fromPartial({ metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: role }, subjects: [user(subject)] });
    await admin.resource(K.ClusterRoles).create(
      ClusterRole.fromPartial({ metadata: { name: 'rbac-editor' }, rules: [{ verbs: ['get', 'create', 'update', 'patch'], apiGroups: [G], resources: ['roles', 'rolebindings', 'clusterrolebindings'] }] }),
    );
    await admin.resource(K.ClusterRoles).create(
      ClusterRole.fromPartial({
        metadata: { name: 'bind-and-escalate' },
        rules: [
          { verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['cluster-admin', 'view'] },
          { verbs: ['escalate'], apiGroups: [G], resources: ['roles'] },
        ],
      }),
    );
    await admin.resource(K.Roles).create(Role.fromPartial({ metadata: { name: 'exec-er', namespace: 'team' }, rules: [{ verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }] }));
    for (const b of [roleBinding('carol-rbac', 'ClusterRole', 'rbac-editor', 'carol'), roleBinding('carol-view', 'ClusterRole', 'view', 'carol'), roleBinding('team-admins', 'ClusterRole', 'cluster-admin', 'boss'), roleBinding('readers', 'ClusterRole', 'view', 'carl')]) {
      await admin.resource(K.RoleBindings).create(b);
    }
    await admin.resource(K.ClusterRoleBindings).create(clusterBinding('dave-rbac', 'rbac-editor', 'dave'));
    await admin.resource(K.ClusterRoleBindings).create(clusterBinding('dave-bind', 'bind-and-escalate', 'dave'));
    await admin.resource(K.ClusterRoleBindings).create(
      ClusterRoleBinding.fromPartial({ metadata: { name: 'auditors-view' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', apiGroup: G, name: 'auditors' }] }),
    );
    // The authorizer reads roles and bindings from the watch caches: wait until the last binding of each kind shows.
    for (const [c, review] of [
      [clients.bob, { verb: 'list', resource: 'pods' }],
      [clients.carol, { verb: 'list', resource: 'pods', namespace: 'team' }],
    ] as const) {
      for (let i = 0; (await accessReview(c, review)).status?.allowed !== true; i++) {
        if (i > 100) throw new Error('the new bindings never reached the authorizer');
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    const current = {
      p0: await admin.pods.get('p0'),
      p1: await admin.pods.get('p1'),
      p2: await admin.pods.get('p2'),
      t1: await admin.pods.get('t1', 'team'),
      n1: await admin.nodes.get('n1'),
      n2: await admin.nodes.get('n2'),
      l1: await admin.leases.get('n1', 'kube-node-lease'),
      l2: await admin.leases.get('n2', 'kube-node-lease'),
      teamAdmins: await admin.resource(K.RoleBindings).get('team-admins', 'team'),
      readers: await admin.resource(K.RoleBindings).get('readers', 'team'),
      clusterAdmin: await admin.resource(K.ClusterRoleBindings).get('cluster-admin'),
      execer: await admin.resource(K.Roles).get('exec-er', 'team'),
    };
    const unpinned = <T extends K.KubeObject>(o: T): T => ({ ...o, metadata: { ...o.metadata!, resourceVersion: '' } });
    const dry = { dryRun: true };
    const withMallory = <T extends RoleBinding | ClusterRoleBinding>(b: T): T => ({ ...unpinned(b), subjects: [...b.subjects, user('mallory')] });
    cases = {
      'get pod default/p1': (c) => c.pods.get('p1'),
      'list pods in all namespaces': (c) => c.pods.list({ namespace: '' }),
      'list pods in team': (c) => c.pods.list({ namespace: 'team' }),
      'watch pods in team': (c) => {
        const abort = new AbortController();
        return firstEvent(c.pods.watch({ namespace: 'team' }, abort.signal), abort);
      },
      'create pod in team': (c) => c.pods.create(pod('new', 'team'), dry),
      'create pod in default': (c) => c.pods.create(pod('new', 'default'), dry),
      'update pod team/t1': (c) => c.pods.update(unpinned(current.t1), dry),
      'update status of pod p1 (on n1)': (c) => c.pods.updateStatus(unpinned(current.p1)),
      'update status of pod p2 (on n2)': (c) => c.pods.updateStatus(unpinned(current.p2)),
      'patch status of pod p2 (on n2)': (c) => c.pods.patch('p2', { status: { phase: current.p2.status!.phase } }, { subresource: 'status' }),
      'update status of unbound pod p0': (c) => c.pods.updateStatus(unpinned(current.p0)),
      'delete pod p1 (on n1)': (c) => c.pods.call('delete', { namespace: 'default', name: 'p1', dryRun: ['All'] }),
      'delete pod p2 (on n2)': (c) => c.pods.call('delete', { namespace: 'default', name: 'p2', dryRun: ['All'] }),
      // p1 is bound already: whoever may bind gets ABORTED, the others PERMISSION_DENIED.
      'bind pod p1': (c) => c.pods.bind('p1', 'n2'),
      'get node n1': (c) => c.nodes.get('n1'),
      'watch nodes': (c) => {
        const abort = new AbortController();
        return firstEvent(c.nodes.watch({}, abort.signal), abort);
      },
      'update node n1': (c) => c.nodes.update(unpinned(current.n1), dry),
      'update node n2': (c) => c.nodes.update(unpinned(current.n2), dry),
      'update status of node n1': (c) => c.nodes.updateStatus(unpinned(current.n1)),
      'update status of node n2': (c) => c.nodes.updateStatus(unpinned(current.n2)),
      'create node n3': (c) => c.nodes.create(Node.fromPartial({ metadata: { name: 'n3' } }), dry),
      'delete node n2': (c) => c.nodes.call('delete', { name: 'n2', dryRun: ['All'] }),
      'get lease kube-node-lease/n2': (c) => c.leases.get('n2', 'kube-node-lease'),
      'update lease kube-node-lease/n1': (c) => c.leases.update(unpinned(current.l1), dry),
      'update lease kube-node-lease/n2': (c) => c.leases.update(unpinned(current.l2), dry),
      'create lease default/n1': (c) => c.leases.create(Lease.fromPartial({ metadata: { name: 'n1', namespace: 'default' } }), dry),
      'list services in default': (c) => c.services.list({ namespace: 'default' }),
      'create service in default': (c) => c.services.create(Service.fromPartial({ metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }), dry),
      'create service in team': (c) => c.services.create(Service.fromPartial({ metadata: { name: 'svc', namespace: 'team' }, spec: { ports: [{ port: 80 }] } }), dry),
      'list endpoints in all namespaces': (c) => c.endpoints.list({ namespace: '' }),
      'create event in default': (c) =>
        c.events.create(Event.fromPartial({ metadata: { name: 'e1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p1', namespace: 'default' }, reason: 'Test', type: 'Normal' }), dry),
      'list deployments in team': (c) => c.deployments.list({ namespace: 'team' }),
      'get scale of deployment team/web': (c) => c.deployments.getScale('web', 'team'),
      'update scale of deployment team/web': (c) => c.deployments.updateScale('web', 1, 'team'),
      'create deployment in default': (c) => c.deployments.create(Deployment.fromPartial({ metadata: { name: 'd', namespace: 'default' } }), dry),
      'list resourcequotas in team': (c) => c.resource(K.ResourceQuotas).list({ namespace: 'team' }),
      'get secret team/db': (c) => c.secrets.get('db', 'team'),
      'list secrets in team': (c) => c.secrets.list({ namespace: 'team' }),
      'create token for serviceaccount team/app': (c) => c.serviceAccounts.call('createToken', { namespace: 'team', name: 'app', dryRun: [], tokenRequest: { spec: { audiences: [] } } }),
      'create token for serviceaccount default/runner bound to pod p1 (on n1)': (c) =>
        c.serviceAccounts.call('createToken', {
          namespace: 'default',
          name: 'runner',
          dryRun: [],
          tokenRequest: { spec: { audiences: [], boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: current.p1.metadata!.uid } } },
        }),
      'create secret in team': (c) => c.secrets.create(Secret.fromPartial({ metadata: { name: 'new', namespace: 'team' }, stringData: { k: 'v' } }), dry),
      'list namespaces': (c) => c.namespaces.list(),
      'create namespace': (c) => c.namespaces.create(Namespace.fromPartial({ metadata: { name: 'new-ns' } }), dry),
      'list roles in team': (c) => c.resource(K.Roles).list({ namespace: 'team' }),
      'create clusterrolebinding': (c) =>
        c.resource(K.ClusterRoleBindings).create(
          ClusterRoleBinding.fromPartial({ metadata: { name: 'grab' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', apiGroup: G, name: 'eve' }] }),
          dry,
        ),
      'update rolebinding team/team-admins (cluster-admin), adding a user': (c) => c.resource(K.RoleBindings).update(withMallory(current.teamAdmins), dry),
      'update clusterrolebinding cluster-admin, adding a user': (c) => c.resource(K.ClusterRoleBindings).update(withMallory(current.clusterAdmin), dry),
      'update rolebinding team/readers (view), adding a user': (c) => c.resource(K.RoleBindings).update(withMallory(current.readers), dry),
      'patch rolebinding team/team-admins (cluster-admin)': (c) => c.resource(K.RoleBindings).patch('team-admins', { subjects: current.teamAdmins.subjects }, { namespace: 'team' }),
      'create rolebinding of cluster-admin in team': (c) => c.resource(K.RoleBindings).create(roleBinding('grab', 'ClusterRole', 'cluster-admin', 'mallory'), dry),
      'update role team/exec-er (pods/exec)': (c) => c.resource(K.Roles).update({ ...unpinned(current.execer), metadata: { ...current.execer.metadata!, resourceVersion: '', labels: { touched: 'yes' } } }, dry),
      'impersonate kubernetes-admin': (c) => whoAmI(c, { user: 'kubernetes-admin', groups: ['system:masters'] }),
      'impersonate node n1': (c) => whoAmI(c, { user: 'system:node:n1', groups: ['system:nodes'] }),
      'ask who I am': (c) => whoAmI(c),
      'ask whether I may delete nodes': (c) => accessReview(c, { verb: 'delete', resource: 'nodes' }),
    };
  });
  after(() => s?.stop());

  it('matches the expected table for every identity and request, with 0 mismatches', async () => {
    assert.deepEqual(Object.keys(cases).sort(), Object.keys(EXPECTED).sort(), 'every case has an expectation');
    const mismatches: string[] = [];
    let count = 0;
    for (const [name, run] of Object.entries(cases)) {
      for (const user of USERS) {
        count++;
        const want = EXPECTED[name].includes(user) ? 'allowed' : 'denied';
        const err = await run(clients[user]).then(
          () => undefined,
          (e: ApiError) => e,
        );
        const got = err?.code === status.PERMISSION_DENIED ? 'denied' : err?.code === status.UNAUTHENTICATED ? 'unauthenticated' : 'allowed';
        if (got !== want) mismatches.push(`${user} / ${name}: want ${want}, got ${got}${err ? ` (${err.message})` : ''}`);
        if (got === 'denied') {
          assert.match(
            err!.message,
            /is forbidden: (User "[^"]+" cannot [a-z]+ resource "[a-z/]+" in API group "[a-z0-9.]*" (in the namespace "[a-z-]+"|at the cluster scope)|user "[^"]+" \(groups=\[[^\]]*\]\) is attempting to grant RBAC permissions not currently held:\n|pod does not have "kubernetes.io\/config.mirror" annotation, node "[^"]+" can only create mirror pods$)/,
          );
        }
      }
    }
    process.stdout.write(`      authorization matrix: ${count} cases (${Object.keys(cases).length} requests x ${USERS.length} identities), ${mismatches.length} mismatches\n`);
    assert.deepEqual(mismatches, []);
  });

  it("explains a kubelet's refusal on another node's pod in Kubernetes' words", async () => {
    const err = await clients['node-n1'].pods.updateStatus({ ...(await clients.admin.pods.get('p2')), metadata: { ...(await clients.admin.pods.get('p2')).metadata!, resourceVersion: '' } }).then(
      () => undefined,
      (e: ApiError) => e,
    );
    assert.equal(err?.code, status.PERMISSION_DENIED);
    assert.equal(
      err!.message,
      'pods "p2" is forbidden: User "system:node:n1" cannot update resource "pods/status" in API group "" in the namespace "default": node "n1" can only update the status of pods bound to it, and pod "p2" is bound to node "n2"',
    );
  });
});
