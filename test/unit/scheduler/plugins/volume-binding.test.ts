// The VolumeBinding plugin against in-memory claims, volumes and classes: bound claims and their
// volume's node affinity, unbound Immediate claims, WaitForFirstConsumer claims with a static
// local volume on one node or a provisioner, Reserve keeping a volume for one pod, and PreBind's
// writes (claimRef, selected-node) and its wait for the PV controller to bind the claims.
import { strict as assert } from 'node:assert';
import { PersistentVolume, PersistentVolumeClaim, type Pod } from '../../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code, type Status } from '../../../../services/scheduler/framework/status';
import type { VolumeHandle } from '../../../../services/scheduler/framework/volume-handle';
import {
  ERR_REASON_BIND_CONFLICT,
  ERR_REASON_NODE_CONFLICT,
  ERR_REASON_PV_NOT_EXIST,
  ERR_REASON_UNBOUND_IMMEDIATE,
  VolumeBinding,
} from '../../../../services/scheduler/plugins/volume-binding/volume-binding';
import { ANN_SELECTED_NODE } from '../../../../lib/api/persistent-volumes';
import { makeNode, makePod, nodeInfoOf } from '../fixtures';

/** Claims, volumes and classes in memory; writes are recorded and applied, `onWrite` plays the PV controller. */
class FakeVolumes implements VolumeHandle {
  readonly claims = new Map<string, PersistentVolumeClaim>();
  readonly pvs = new Map<string, PersistentVolume>();
  readonly classes = new Map<string, StorageClass>();
  readonly writes: string[] = [];
  onWrite: () => void = () => {};
  getClaim = (ns: string, name: string) => this.claims.get(`${ns}/${name}`);
  getVolume = (name: string) => this.pvs.get(name);
  listVolumes = () => [...this.pvs.values()];
  getStorageClass = (name: string) => this.classes.get(name);
  async updateVolume(pv: PersistentVolume): Promise<PersistentVolume> {
    this.writes.push(`pv/${pv.metadata!.name} claimRef=${pv.spec!.claimRef?.namespace}/${pv.spec!.claimRef?.name}`);
    this.pvs.set(pv.metadata!.name, pv);
    this.onWrite();
    return pv;
  }
  async updateClaim(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    this.writes.push(`pvc/${pvc.metadata!.name} selected-node=${pvc.metadata!.annotations[ANN_SELECTED_NODE]}`);
    this.claims.set(`${pvc.metadata!.namespace}/${pvc.metadata!.name}`, pvc);
    this.onWrite();
    return pvc;
  }
  addClaim(name: string, o: { class?: string; volumeName?: string; storage?: string; deleting?: boolean } = {}): void {
    const claim = PersistentVolumeClaim.fromPartial({
      metadata: { name, namespace: 'default', uid: `uid-${name}`, deletionTimestamp: o.deleting ? '2026-01-01T00:00:00Z' : undefined },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.storage ?? '1Gi' } }, storageClassName: o.class, volumeName: o.volumeName ?? '' },
      status: { phase: o.volumeName ? 'Bound' : 'Pending' },
    });
    this.claims.set(`default/${name}`, claim);
  }
  addVolume(name: string, o: { node?: string; class?: string; storage?: string; phase?: string } = {}): void {
    const affinity = o.node
      ? { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.node] }], matchFields: [] }] } }
      : undefined;
    this.pvs.set(
      name,
      PersistentVolume.fromPartial({
        metadata: { name },
        spec: { capacity: { storage: o.storage ?? '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: o.class ?? '', local: { path: `/mnt/${name}` }, nodeAffinity: affinity },
        status: { phase: o.phase ?? 'Available' },
      }),
    );
  }
  addClass(name: string, mode: 'Immediate' | 'WaitForFirstConsumer', provisioner = 'rancher.io/local-path', zones?: string[]): void {
    const allowedTopologies = zones ? [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: zones }] }] : [];
    this.classes.set(name, StorageClass.fromPartial({ metadata: { name }, provisioner, volumeBindingMode: mode, allowedTopologies }));
  }
}

function podWithClaims(name: string, ...claims: string[]): Pod {
  const pod = makePod(name);
  pod.spec!.volumes = claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c, readOnly: false } }));
  return pod;
}

const nodes = [makeNode('n1', { labels: { 'topology.kubernetes.io/zone': 'a' } }), makeNode('n2', { labels: { 'topology.kubernetes.io/zone': 'b' } })].map((n) => nodeInfoOf(n));

/** PreFilter, then Filter on every node: the status per node (or PreFilter's). */
function run(plugin: VolumeBinding, pod: Pod, state = new CycleState()): { pre: Status; byNode: Record<string, Status> } {
  const info = PodInfo.of(pod);
  const pre = plugin.preFilter(state, info);
  const byNode: Record<string, Status> = {};
  if (pre.isSuccess()) for (const n of nodes) byNode[n.name] = plugin.filter(state, info, n);
  return { pre, byNode };
}

const codes = (byNode: Record<string, Status>) => Object.fromEntries(Object.entries(byNode).map(([n, s]) => [n, s.isSuccess() ? 'ok' : s.reasons.join(',')]));

describe('VolumeBinding', () => {
  let v: FakeVolumes;
  let plugin: VolumeBinding;
  beforeEach(() => {
    v = new FakeVolumes();
    plugin = new VolumeBinding(v, { bindTimeoutSeconds: 2 });
  });

  it('skips pods without claims', () => {
    assert.equal(plugin.preFilter(new CycleState(), PodInfo.of(makePod('p'))).code, Code.Skip);
  });

  it('refuses a pod whose claim is missing or being deleted, for good', () => {
    let s = run(plugin, podWithClaims('p', 'data')).pre;
    assert.equal(s.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual(s.reasons, ['persistentvolumeclaim "data" not found']);
    v.addClaim('data', { deleting: true });
    s = run(plugin, podWithClaims('p', 'data')).pre;
    assert.deepEqual(s.reasons, ['persistentvolumeclaim "data" is being deleted']);
  });

  it('admits only the nodes a bound claim\'s volume has affinity for', () => {
    v.addVolume('pv1', { node: 'n2', phase: 'Bound' });
    v.addClaim('data', { volumeName: 'pv1' });
    assert.deepEqual(codes(run(plugin, podWithClaims('p', 'data')).byNode), { n1: ERR_REASON_NODE_CONFLICT, n2: 'ok' });
    v.addVolume('pv1', { phase: 'Bound' });
    assert.deepEqual(codes(run(plugin, podWithClaims('p', 'data')).byNode), { n1: 'ok', n2: 'ok' });
    v.addClaim('data', { volumeName: 'gone' });
    assert.deepEqual(codes(run(plugin, podWithClaims('p', 'data')).byNode), { n1: ERR_REASON_PV_NOT_EXIST, n2: ERR_REASON_PV_NOT_EXIST });
  });

  it('keeps a pod with an unbound claim of an Immediate class (or no class) unschedulable until it is bound', () => {
    v.addClass('fast', 'Immediate');
    v.addClaim('data', { class: 'fast' });
    const s = run(plugin, podWithClaims('p', 'data')).pre;
    assert.equal(s.code, Code.UnschedulableAndUnresolvable);
    assert.deepEqual(s.reasons, [ERR_REASON_UNBOUND_IMMEDIATE]);
    v.addClaim('other');
    assert.deepEqual(run(plugin, podWithClaims('p', 'other')).pre.reasons, [ERR_REASON_UNBOUND_IMMEDIATE]);
  });

  it('places a WaitForFirstConsumer claim on the node of a matching static local volume', () => {
    v.addClass('local', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner');
    v.addVolume('small', { node: 'n1', class: 'local', storage: '500Mi' });
    v.addVolume('other-class', { node: 'n1', class: 'fast' });
    v.addVolume('taken', { node: 'n1', class: 'local', phase: 'Bound' });
    v.addVolume('pv-n2', { node: 'n2', class: 'local', storage: '2Gi' });
    v.addClaim('data', { class: 'local' });
    assert.deepEqual(codes(run(plugin, podWithClaims('p', 'data')).byNode), { n1: ERR_REASON_BIND_CONFLICT, n2: 'ok' });
  });

  it('picks the smallest volume that fits and keeps it for the pod that reserved it', async () => {
    v.addClass('local', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner');
    v.addVolume('big', { node: 'n1', class: 'local', storage: '10Gi' });
    v.addVolume('fit', { node: 'n1', class: 'local', storage: '2Gi' });
    v.addClaim('a', { class: 'local' });
    v.addClaim('b', { class: 'local' });
    v.addClaim('c', { class: 'local' });
    const state = new CycleState();
    const a = podWithClaims('pa', 'a');
    run(plugin, a, state);
    assert.ok(plugin.reserve(state, PodInfo.of(a), 'n1').isSuccess());
    // The second pod gets the other volume, the third none.
    const sb = new CycleState();
    const b = podWithClaims('pb', 'b');
    run(plugin, b, sb);
    plugin.reserve(sb, PodInfo.of(b), 'n1');
    assert.deepEqual(codes(run(plugin, podWithClaims('pc', 'c')).byNode), { n1: ERR_REASON_BIND_CONFLICT, n2: ERR_REASON_BIND_CONFLICT });
    // PreBind writes the claimRefs; the PV controller (here onWrite) binds the claims.
    v.onWrite = () => {
      for (const pv of v.pvs.values()) {
        const ref = pv.spec!.claimRef;
        const claim = ref && v.claims.get(`${ref.namespace}/${ref.name}`);
        if (claim) v.claims.set(`${ref.namespace}/${ref.name}`, { ...claim, spec: { ...claim.spec!, volumeName: pv.metadata!.name }, status: { ...claim.status!, phase: 'Bound' } });
      }
    };
    assert.ok((await plugin.preBind(state, PodInfo.of(a), 'n1')).isSuccess());
    assert.ok((await plugin.preBind(sb, PodInfo.of(b), 'n1')).isSuccess());
    assert.deepEqual(v.writes, ['pv/fit claimRef=default/a', 'pv/big claimRef=default/b']);
  });

  it('Unreserve gives a reserved volume back', () => {
    v.addClass('local', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner');
    v.addVolume('only', { node: 'n1', class: 'local' });
    v.addClaim('a', { class: 'local' });
    v.addClaim('b', { class: 'local' });
    const state = new CycleState();
    const a = podWithClaims('pa', 'a');
    run(plugin, a, state);
    plugin.reserve(state, PodInfo.of(a), 'n1');
    assert.equal(codes(run(plugin, podWithClaims('pb', 'b')).byNode).n1, ERR_REASON_BIND_CONFLICT);
    plugin.unreserve(state);
    assert.equal(codes(run(plugin, podWithClaims('pb', 'b')).byNode).n1, 'ok');
  });

  it('provisions a WaitForFirstConsumer claim where the class allows: PreBind sets selected-node and waits for the claim to be bound', async () => {
    v.addClass('standard', 'WaitForFirstConsumer', 'rancher.io/local-path', ['b']);
    v.addClaim('data', { class: 'standard' });
    const state = new CycleState();
    const pod = podWithClaims('p', 'data');
    assert.deepEqual(codes(run(plugin, pod, state).byNode), { n1: ERR_REASON_BIND_CONFLICT, n2: 'ok' });
    plugin.reserve(state, PodInfo.of(pod), 'n2');
    v.onWrite = () => {
      const claim = v.claims.get('default/data')!;
      setTimeout(() => v.claims.set('default/data', { ...claim, spec: { ...claim.spec!, volumeName: 'pvc-1' }, status: { ...claim.status!, phase: 'Bound' } }), 50);
    };
    assert.ok((await plugin.preBind(state, PodInfo.of(pod), 'n2')).isSuccess());
    assert.deepEqual(v.writes, ['pvc/data selected-node=n2']);
    // Once annotated, the claim stays on its node.
    v.addClaim('again', { class: 'standard' });
    v.claims.get('default/again')!.metadata!.annotations[ANN_SELECTED_NODE] = 'n2';
    assert.deepEqual(codes(run(plugin, podWithClaims('q', 'again')).byNode), { n1: ERR_REASON_BIND_CONFLICT, n2: 'ok' });
  });

  it('fails PreBind when the claim is not bound in time, or its provisioning was given up', async () => {
    v.addClass('standard', 'WaitForFirstConsumer');
    v.addClaim('data', { class: 'standard' });
    const state = new CycleState();
    const pod = podWithClaims('p', 'data');
    run(plugin, pod, state);
    plugin.reserve(state, PodInfo.of(pod), 'n1');
    const s = await plugin.preBind(state, PodInfo.of(pod), 'n1');
    assert.equal(s.code, Code.Error);
    assert.match(s.message(), /^binding volumes: timed out waiting for the condition/);

    v.onWrite = () => {
      const claim = v.claims.get('default/data')!;
      setTimeout(() => v.claims.set('default/data', { ...claim, metadata: { ...claim.metadata!, annotations: {} } }), 50);
    };
    v.addClaim('data', { class: 'standard' });
    const s2 = new CycleState();
    run(plugin, pod, s2);
    plugin.reserve(s2, PodInfo.of(pod), 'n1');
    assert.equal((await plugin.preBind(s2, PodInfo.of(pod), 'n1')).message(), 'binding volumes: provisioning failed for PVC "data"');
  });

  it('refuses nodes for a class without provisioner and no volume', () => {
    v.addClass('local', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner');
    v.addClaim('data', { class: 'local' });
    assert.deepEqual(codes(run(plugin, podWithClaims('p', 'data')).byNode), { n1: ERR_REASON_BIND_CONFLICT, n2: ERR_REASON_BIND_CONFLICT });
  });
});
