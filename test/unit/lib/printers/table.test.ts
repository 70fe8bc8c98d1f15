import { strict as assert } from 'node:assert';
import { Deployments, Events, Nodes, Pods, Services, StorageClasses, type KindInfo, type KubeObject } from '../../../../lib/api/kinds';
import { Deployment } from '../../../../lib/gen/kite/apps/v1/types';
import { Event, Node, Pod, Service } from '../../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { columnName, tableFor } from '../../../../lib/printers/table';
import { TablePrinter } from '../../../../services/kitectl/printers/table-printer';

const now = Date.parse('2024-01-01T00:10:00Z');
const metadata = (name: string) => ({ name, namespace: 'default', uid: 'u-1', resourceVersion: '42', creationTimestamp: '2024-01-01T00:05:00Z', labels: { app: 'web' } });

const pod = Pod.fromPartial({
  metadata: metadata('web-1'),
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
  status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 2, state: { running: {} } }] },
});
const deployment = Deployment.fromPartial({
  metadata: metadata('web'),
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
});
const service = Service.fromPartial({ metadata: metadata('web'), spec: { type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] } });
const node = Node.fromPartial({
  metadata: { ...metadata('node-1'), namespace: '', labels: { 'node-role.kubernetes.io/control-plane': '' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '172.18.0.2' }], nodeInfo: { kubeletVersion: 'kite-v0.1.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'docker://27' } },
});

const CASES: [string, KindInfo<any>, KubeObject][] = [
  ['pods', Pods, pod],
  ['deployments', Deployments, deployment],
  ['services', Services, service],
  ['nodes', Nodes, node],
];
const defaultClass = StorageClass.fromPartial({
  metadata: { ...metadata('standard'), namespace: '', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'rancher.io/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
});
CASES.push(['storageclasses', StorageClasses, defaultClass]);

describe('server-side Table', () => {
  for (const [name, kind, obj] of CASES) {
    it(`has kitectl's columns and cells for ${name}, the wide ones at priority 1`, () => {
      const table = tableFor(kind, [obj], { now });
      const wide = new TablePrinter(kind, { wide: true, now: () => now });
      const narrow = new TablePrinter(kind, { now: () => now });
      assert.deepEqual(
        table.columnDefinitions.map((c) => c.name.toUpperCase()),
        wide.headers(),
      );
      assert.deepEqual(
        table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase()),
        narrow.headers(),
      );
      assert.deepEqual(table.rows[0].cells.map(String), wide.cells(obj));
    });
  }

  it('names and types columns as Kubernetes\' printers do', () => {
    const cols = tableFor(Deployments, [deployment], { now }).columnDefinitions;
    assert.deepEqual(
      cols.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Up-to-date', 'integer', 0],
        ['Available', 'integer', 0],
        ['Age', 'string', 0],
        ['Containers', 'string', 1],
        ['Images', 'string', 1],
        ['Selector', 'string', 1],
      ],
    );
    assert.equal(cols[0].format, 'name');
    assert.match(cols[0].description, /^Name must be unique within a namespace/);
    assert.deepEqual(tableFor(Deployments, [deployment], { now }).rows[0].cells, ['web', '2/3', 3, 2, '5m', 'c', 'nginx:1.27', 'app=web']);
    assert.deepEqual(
      ['CLUSTER-IP', 'PORT(S)', 'NOMINATED NODE', 'OS-IMAGE', 'LAST SEEN'].map(columnName),
      ['Cluster-IP', 'Port(s)', 'Nominated Node', 'OS-Image', 'Last Seen'],
    );
  });

  it('marks the default StorageClass "(default)" as kubectl\'s printStorageClass does', () => {
    assert.deepEqual(tableFor(StorageClasses, [defaultClass], { now }).rows[0].cells, ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false', '5m']);
    const plain = StorageClass.fromPartial({ ...defaultClass, metadata: { ...defaultClass.metadata!, annotations: {} } });
    assert.equal(new TablePrinter(StorageClasses, { now: () => now }).cells(plain)[0], 'standard');
  });

  it('lists events with kubectl\'s event columns and no NAME first', () => {
    const ev = Event.fromPartial({ metadata: metadata('web-1.17'), involvedObject: { kind: 'Pod', name: 'web-1' }, type: 'Normal', reason: 'Pulled', message: 'done', count: 3, lastTimestamp: '2024-01-01T00:09:00Z' });
    const table = tableFor(Events, [ev], { now });
    assert.deepEqual(
      table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name),
      ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
    );
    assert.equal(table.rows[0].cells[table.columnDefinitions.findIndex((c) => c.name === 'Count')], 3);
  });

  it('carries each object as PartialObjectMetadata by default, whole with Object, not at all with None', () => {
    const meta = tableFor(Pods, [pod], { now, listMeta: { resourceVersion: '42' } });
    assert.equal(meta.kind, 'Table');
    assert.equal(meta.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(meta.metadata, { resourceVersion: '42' });
    const partial = meta.rows[0].object as any;
    assert.equal(partial.kind, 'PartialObjectMetadata');
    assert.equal(partial.apiVersion, 'meta.k8s.io/v1');
    assert.equal(partial.metadata.name, 'web-1');
    assert.equal(partial.metadata.creationTimestamp, '2024-01-01T00:05:00Z');
    assert.equal(partial.spec, undefined);
    const whole = tableFor(Pods, [pod], { now, includeObject: 'Object' }).rows[0].object as any;
    assert.equal(whole.kind, 'Pod');
    assert.equal(whole.spec.containers[0].image, 'nginx');
    assert.equal('object' in tableFor(Pods, [pod], { now, includeObject: 'None' }).rows[0], false);
  });
});
