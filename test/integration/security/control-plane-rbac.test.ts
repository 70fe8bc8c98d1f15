// The control plane under its own, narrowed roles: the controller-manager (every controller) and
// the scheduler run with their certificates against an RBAC apiserver and do their whole job (a
// Deployment behind a Service scheduled and made available, events, node IPAM and lifecycle,
// ServiceAccounts and the root CA ConfigMap, garbage collection of RBAC dependents, namespace
// deletion, leader election), and the audit log shows no request of theirs refused.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as K from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { ApiEventRecorder } from '../../../lib/events';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import { Namespace, Node, Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { LeaderElector } from '../../../lib/leaderelection';
import { rfc3339, rfc3339Micro } from '../../../lib/util/time';
import type { AuditEvent } from '../../../services/apiserver/auth/audit/audit-log';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { runScheduler } from '../../../services/scheduler/app';
import { startFakeKubelet } from '../controller-manager/support/fake-kubelet';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const G = 'rbac.authorization.k8s.io';
const NS = 'work';
const COMPONENTS = ['system:kube-controller-manager', 'system:kube-scheduler'];

describe('security: the control plane under its bootstrap roles', function () {
  this.timeout(90_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let kcm: Clientset;
  let sched: Clientset;
  let cm: ControllerManager;
  let scheduling: Promise<void>;
  let schedulerEvents: ApiEventRecorder;
  const stop = new AbortController();
  let heartbeat: NodeJS.Timeout;

  const readyNode = (name: string, unschedulable: boolean) => {
    const now = rfc3339();
    return Node.fromPartial({
      metadata: { name },
      spec: { unschedulable },
      status: {
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    });
  };

  before(async () => {
    s = await startSecureApiserver({ audit: true });
    admin = await s.admin();
    const pair = (f: { cert: string; key: string }) => ({ cert: readFileSync(f.cert, 'utf8'), key: readFileSync(f.key, 'utf8') });
    kcm = await s.client({ pair: pair(s.pki.controllerManager) });
    sched = await s.client({ pair: pair(s.pki.scheduler) });
    // n1 heartbeats; n2 (cordoned, so nothing lands there) falls silent.
    for (const [name, unschedulable] of [['n1', false], ['n2', true]] as const) {
      await admin.nodes.create(readyNode(name, unschedulable));
      await admin.leases.create(Lease.fromPartial({ metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime: rfc3339Micro() } }));
    }
    heartbeat = setInterval(() => {
      admin.leases
        .get('n1', 'kube-node-lease')
        .then((l) => admin.leases.update({ ...l, spec: { ...l.spec!, renewTime: rfc3339Micro() } }))
        .catch(() => undefined);
    }, 200);
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: NS } }));
    cm = startControllerManager({
      clientset: kcm,
      options: {
        nodeipam: { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24 },
        nodelifecycle: { monitorPeriodMs: 100, monitorGracePeriodMs: 1500, startupGracePeriodMs: 1500 },
        namespace: { recheckMs: 200 },
      },
      signal: stop.signal,
    });
    schedulerEvents = new ApiEventRecorder(sched.events, 'default-scheduler', hostname());
    scheduling = runScheduler(sched, schedulerEvents, stop.signal, { initialBackoffMs: 100, maxBackoffMs: 500 });
    startFakeKubelet(admin, NS, stop.signal);
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    clearInterval(heartbeat);
    stop.abort();
    await cm?.done;
    await scheduling;
    schedulerEvents?.close();
    await s?.stop();
  });

  it('schedules a Deployment behind a Service and makes it available, with events', async () => {
    const labels = { app: 'web' };
    await admin.deployments.create(
      Deployment.fromPartial({ metadata: { name: 'web', namespace: NS }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }),
    );
    await admin.services.create(Service.fromPartial({ metadata: { name: 'web', namespace: NS }, spec: { selector: labels, ports: [{ port: 80 }] } }));
    await waitFor('2 pods bound to n1', async () => {
      const pods = (await admin.pods.list({ namespace: NS, labelSelector: 'app=web' })).items;
      return pods.length === 2 && pods.every((p) => p.spec!.nodeName === 'n1');
    });
    await waitFor('the Deployment available', async () => (await admin.deployments.get('web', NS)).status?.availableReplicas === 2);
    await waitFor('2 endpoints', async () => {
      const ep = await admin.endpoints.get('web', NS).catch(() => undefined);
      return ep?.subsets[0]?.addresses.length === 2;
    });
    await waitFor('n1 has a pod CIDR', async () => !!(await admin.nodes.get('n1')).spec!.podCIDR);

    await admin.pods.create(Pod.fromPartial({ metadata: { name: 'nowhere', namespace: NS }, spec: { nodeSelector: { disk: 'none' }, containers: [{ name: 'c', image: 'nginx' }] } }));
    await waitFor('PodScheduled=False written by the scheduler', async () => (await admin.pods.get('nowhere', NS)).status!.conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
    await waitFor('events from both components', async () => {
      const reasons = new Set((await admin.events.list({ namespace: NS })).items.map((e) => e.reason));
      return ['ScalingReplicaSet', 'SuccessfulCreate', 'Scheduled', 'FailedScheduling'].every((r) => reasons.has(r));
    });
  });

  it('marks a silent node Unknown and taints it', async () => {
    await waitFor('n2 Unknown', async () => (await admin.nodes.get('n2')).status!.conditions.find((c) => c.type === 'Ready')?.status === 'Unknown');
    await waitFor('n2 unreachable taint', async () => (await admin.nodes.get('n2')).spec!.taints.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
  });

  it('keeps a default ServiceAccount and the kube-root-ca.crt ConfigMap in every namespace', async () => {
    for (const ns of [NS, 'default', 'kube-system']) {
      await waitFor(`default ServiceAccount in ${ns}`, () => admin.resource(K.ServiceAccounts).get('default', ns).catch(() => undefined));
      await waitFor(`kube-root-ca.crt in ${ns}`, () => admin.resource(K.ConfigMaps).get('kube-root-ca.crt', ns).catch(() => undefined));
    }
  });

  it('collects garbage among RBAC objects (orphaning a cluster-admin binding) and empties a deleted namespace', async () => {
    const owner = async (name: string) => admin.services.create(Service.fromPartial({ metadata: { name, namespace: NS }, spec: { ports: [{ port: 80 }] } }));
    const dependent = (name: string, o: Service) =>
      RoleBinding.fromPartial({
        metadata: { name, namespace: NS, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: o.metadata!.name, uid: o.metadata!.uid }] },
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'User', apiGroup: G, name: 'boss' }],
      });
    const kept = await owner('keeper');
    const gone = await owner('goner');
    await admin.resource(K.RoleBindings).create(dependent('orphaned', kept));
    await admin.resource(K.RoleBindings).create(dependent('collected', gone));
    await admin.services.delete('keeper', { namespace: NS, propagationPolicy: 'Orphan' });
    await admin.services.delete('goner', { namespace: NS, propagationPolicy: 'Background' });
    await waitFor('the orphan released by the garbage collector', async () => (await admin.resource(K.RoleBindings).get('orphaned', NS)).metadata!.ownerReferences.length === 0);
    await waitFor('keeper gone', async () => !(await admin.services.get('keeper', NS).catch(() => undefined)));
    await waitFor('the dependent collected', async () => !(await admin.resource(K.RoleBindings).get('collected', NS).catch(() => undefined)));

    await admin.namespaces.delete(NS);
    await waitFor('namespace emptied and gone', async () => {
      // As n1's kubelet would: confirm the end of pods the namespace controller deleted.
      for (const p of (await admin.pods.list({ namespace: NS })).items) {
        if (p.metadata!.deletionTimestamp) await admin.pods.delete(p.metadata!.name, { namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
      }
      return !(await admin.namespaces.get(NS).catch(() => undefined));
    }, 30_000);
  });

  it('elects leaders through their own Leases', async () => {
    for (const [client, name] of [[kcm, 'kube-controller-manager'], [sched, 'kube-scheduler']] as const) {
      const done = new AbortController();
      let led = false;
      const elector = new LeaderElector({ client: client.leases, name, retryPeriodMs: 100, renewDeadlineMs: 1000, leaseDurationMs: 2000, callbacks: { onStartedLeading: () => void (led = true, done.abort()) } });
      await elector.run(done.signal);
      assert.ok(led, name);
      assert.match((await admin.leases.get(name, 'kube-system')).spec!.holderIdentity, /^$|_/);
    }
  });

  it('saw none of their requests refused', async () => {
    const refused = await waitFor('the audit log', () => {
      const lines = readFileSync(s.auditLogPath!, 'utf8').split('\n').filter(Boolean);
      return lines.length ? lines.map((l) => JSON.parse(l) as AuditEvent).filter((e) => COMPONENTS.includes(e.user) && e.decision === 'forbid') : undefined;
    });
    assert.deepEqual(refused.map((e) => `${e.user} ${e.verb} ${e.resource} ${e.namespace}/${e.name}: ${e.message}`), []);
  });
});
