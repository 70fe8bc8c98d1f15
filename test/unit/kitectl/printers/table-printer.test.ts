import { strict as assert } from 'node:assert';
import { ALL_KINDS, Deployments, Events, Leases, Namespaces, Nodes, Pods, ReplicaSets, Services, EndpointsKind } from '../../../../lib/api/kinds';
import { Deployment, ReplicaSet } from '../../../../lib/gen/kite/apps/v1/types';
import { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import { Endpoints, Event, Namespace, Node, Pod, Service } from '../../../../lib/gen/kite/core/v1/types';
import { TablePrinter } from '../../../../services/kitectl/printers/table-printer';

const now = () => Date.parse('2024-01-01T00:10:00Z');
const created = '2024-01-01T00:05:00Z';
const lines = (s: string) => s.trimEnd().split('\n');
/** Splits a table line into cells on runs of 3+ spaces (cells never contain those). */
const cells = (line: string) => line.split(/ {2,}/);

describe('get tables', () => {
  const pod = Pod.fromPartial({
    metadata: { name: 'nginx-1', namespace: 'default', creationTimestamp: created, labels: { app: 'nginx' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [{ name: 'c', ready: true, state: { running: {} } }] },
  });

  it('prints pods with kubectl columns', () => {
    const out = lines(new TablePrinter(Pods, { now }).print([pod]));
    assert.deepEqual(cells(out[0]), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(cells(out[1]), ['nginx-1', '1/1', 'Running', '0', '5m']);
    assert.equal(out[0], 'NAME      READY   STATUS    RESTARTS   AGE');
  });

  it('adds wide columns, NAMESPACE for -A and LABELS for --show-labels', () => {
    const out = lines(new TablePrinter(Pods, { now, wide: true, withNamespace: true, showLabels: true }).print([pod]));
    assert.deepEqual(cells(out[0]), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES', 'LABELS']);
    assert.deepEqual(cells(out[1]), ['default', 'nginx-1', '1/1', 'Running', '0', '5m', '10.244.1.5', 'node-1', '<none>', '<none>', 'app=nginx']);
  });

  it('omits headers with --no-headers and prefixes kinds for multi-kind output', () => {
    const out = lines(new TablePrinter(Deployments, { now, noHeaders: true, withKind: true }).print([Deployment.fromPartial({ metadata: { name: 'web', creationTimestamp: created }, spec: { replicas: 3 }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } })]));
    assert.equal(out.length, 1);
    assert.deepEqual(cells(out[0]), ['deployment.apps/web', '2/3', '3', '2', '5m']);
  });

  it('prints deployments wide with containers, images and selector', () => {
    const d = Deployment.fromPartial({
      metadata: { name: 'nginx', creationTimestamp: created },
      spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.22' }, { name: 'side', image: 'busybox' }] } } },
    });
    const out = lines(new TablePrinter(Deployments, { now, wide: true }).print([d]));
    assert.deepEqual(cells(out[0]), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(cells(out[1]), ['nginx', '0/3', '0', '0', '5m', 'nginx,side', 'nginx:1.22,busybox', 'app=nginx']);
  });

  it('prints replica sets', () => {
    const rs = ReplicaSet.fromPartial({ metadata: { name: 'nginx-abc', creationTimestamp: created }, spec: { replicas: 3 }, status: { replicas: 3, readyReplicas: 1 } });
    assert.deepEqual(cells(lines(new TablePrinter(ReplicaSets, { now }).print([rs]))[1]), ['nginx-abc', '3', '3', '1', '5m']);
  });

  it('prints services with ports and external IPs', () => {
    const svc = Service.fromPartial({ metadata: { name: 'nginx', creationTimestamp: created }, spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], selector: { app: 'nginx' } } });
    const out = lines(new TablePrinter(Services, { now, wide: true }).print([svc]));
    assert.deepEqual(cells(out[0]), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    assert.deepEqual(cells(out[1]), ['nginx', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '5m', 'app=nginx']);
    const lb = Service.fromPartial({ metadata: { name: 'lb', creationTimestamp: created }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.11', ports: [{ port: 80, protocol: 'TCP' }] } });
    assert.equal(cells(lines(new TablePrinter(Services, { now }).print([lb]))[1])[3], '<pending>');
  });

  it('prints nodes with status, roles, version and SchedulingDisabled when cordoned', () => {
    const node = (unschedulable: boolean, ready?: string) =>
      Node.fromPartial({
        metadata: { name: 'n1', creationTimestamp: created, labels: { 'node-role.kubernetes.io/control-plane': '' } },
        spec: { unschedulable },
        status: {
          conditions: ready ? [{ type: 'Ready', status: ready }] : [],
          nodeInfo: { kubeletVersion: 'v0.1.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'docker://24' },
          addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
        },
      });
    const out = lines(new TablePrinter(Nodes, { now, wide: true }).print([node(false, 'True'), node(true, 'False'), node(false)]));
    assert.deepEqual(cells(out[0]), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    assert.deepEqual(cells(out[1]), ['n1', 'Ready', 'control-plane', '5m', 'v0.1.0', '172.18.0.2', '<none>', 'Debian', '6.1', 'docker://24']);
    assert.equal(cells(out[2])[1], 'NotReady,SchedulingDisabled');
    assert.equal(cells(out[3])[1], 'Unknown');
  });

  it('prints namespaces, endpoints and leases', () => {
    assert.deepEqual(cells(lines(new TablePrinter(Namespaces, { now }).print([Namespace.fromPartial({ metadata: { name: 'default', creationTimestamp: created }, status: { phase: 'Active' } })]))[1]), ['default', 'Active', '5m']);
    const ep = Endpoints.fromPartial({ metadata: { name: 'nginx', creationTimestamp: created }, subsets: [{ addresses: [{ ip: '10.244.1.2' }], ports: [{ port: 80 }] }] });
    assert.deepEqual(cells(lines(new TablePrinter(EndpointsKind, { now }).print([ep]))[1]), ['nginx', '10.244.1.2:80', '5m']);
    const lease = Lease.fromPartial({ metadata: { name: 'n1', creationTimestamp: created }, spec: { holderIdentity: 'n1' } });
    assert.deepEqual(cells(lines(new TablePrinter(Leases, { now }).print([lease]))[1]), ['n1', 'n1', '5m']);
  });

  it('prints events without a NAME column', () => {
    const ev = Event.fromPartial({
      metadata: { name: 'e1' },
      involvedObject: { kind: 'Pod', name: 'nginx-1' },
      type: 'Normal',
      reason: 'Scheduled',
      message: 'Successfully assigned default/nginx-1 to node-1',
      lastTimestamp: '2024-01-01T00:09:00Z',
      count: 1,
    });
    const out = lines(new TablePrinter(Events, { now }).print([ev]));
    assert.deepEqual(cells(out[0]), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.deepEqual(cells(out[1]), ['60s', 'Normal', 'Scheduled', 'pod/nginx-1', 'Successfully assigned default/nginx-1 to node-1']);
  });

  it('keeps one line per row when a cell holds tabs or newlines', () => {
    const ev = Event.fromPartial({ involvedObject: { kind: 'Pod', name: 'p' }, type: 'Warning', reason: 'Failed', message: 'line one\n\tline two', lastTimestamp: '2024-01-01T00:09:00Z' });
    const out = lines(new TablePrinter(Events, { now }).print([ev]));
    assert.equal(out.length, 2);
    assert.equal(cells(out[1])[4], 'line one line two');
  });

  it('prints the header once when rows are streamed (get -w)', () => {
    const t = new TablePrinter(Pods, { now });
    assert.equal(lines(t.print([pod])).length, 2);
    const next = lines(t.print([pod]));
    assert.equal(next.length, 1);
    assert.equal(cells(next[0])[0], 'nginx-1');
  });
});

describe('get tables for RBAC and quotas', () => {
  const byKind = (kind: string) => ALL_KINDS.find((k) => k.kind === kind)!;

  it('prints roles with CREATED AT and bindings with ROLE and subjects', () => {
    const role = byKind('ClusterRole').type.fromJSON({ metadata: { name: 'view', creationTimestamp: created } });
    assert.deepEqual(cells(lines(new TablePrinter(byKind('ClusterRole'), { now }).print([role]))[1]), ['view', created]);
    const binding = byKind('RoleBinding').type.fromJSON({
      metadata: { name: 'rb', creationTimestamp: created },
      roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
      subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
    });
    const out = lines(new TablePrinter(byKind('RoleBinding'), { now, wide: true }).print([binding]));
    assert.deepEqual(cells(out[0]), ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
    // The GROUPS cell is empty, so splitting on runs of spaces skips it.
    assert.deepEqual(cells(out[1]), ['rb', 'Role/pod-reader', '5m', 'jane', 'default/sa']);
    assert.equal(out[1].indexOf('default/sa'), out[0].indexOf('SERVICEACCOUNTS'));
  });

  it('prints limit ranges with CREATED AT, as kubectl does', () => {
    const lr = byKind('LimitRange').type.fromJSON({ metadata: { name: 'limits', creationTimestamp: created }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } });
    const out = lines(new TablePrinter(byKind('LimitRange'), { now }).print([lr]));
    assert.deepEqual(cells(out[0]), ['NAME', 'CREATED AT']);
    assert.deepEqual(cells(out[1]), ['limits', created]);
  });

  it('prints quotas with used/hard', () => {
    const q = byKind('ResourceQuota').type.fromJSON({
      metadata: { name: 'q', creationTimestamp: created },
      spec: { hard: { pods: '10', 'limits.cpu': '2' } },
      status: { hard: { pods: '10', 'limits.cpu': '2' }, used: { pods: '3', 'limits.cpu': '500m' } },
    });
    assert.deepEqual(cells(lines(new TablePrinter(byKind('ResourceQuota'), { now }).print([q]))[1]), ['q', '5m', 'pods: 3/10', 'limits.cpu: 500m/2']);
  });
});
