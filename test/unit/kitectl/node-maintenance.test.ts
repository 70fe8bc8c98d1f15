import { strict as assert } from 'node:assert';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { planDrain } from '../../../services/kitectl/node-maintenance';

const pod = (name: string, o: { owner?: string; phase?: string; emptyDir?: boolean; mirror?: boolean } = {}) =>
  Pod.fromPartial({
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: o.owner ? [{ kind: o.owner, name: 'o', uid: 'u', controller: true, apiVersion: 'apps/v1' }] : [],
      annotations: o.mirror ? { 'kubernetes.io/config.mirror': 'x' } : {},
    },
    spec: { volumes: o.emptyDir ? [{ name: 'v', emptyDir: {} }] : [] },
    status: { phase: o.phase ?? 'Running' },
  });
const names = (ps: Pod[]) => ps.map((p) => p.metadata?.name);

describe('drain plan', () => {
  it('evicts managed pods and finished pods, skips mirror pods', () => {
    const plan = planDrain([pod('rs', { owner: 'ReplicaSet' }), pod('done', { phase: 'Succeeded' }), pod('mirror', { mirror: true })], {});
    assert.deepEqual(names(plan.toDelete), ['rs', 'done']);
    assert.deepEqual(plan.errors, []);
  });

  it('refuses unmanaged pods without --force, deletes them with a warning with it', () => {
    const pods = [pod('bare'), pod('rs', { owner: 'ReplicaSet' })];
    assert.deepEqual(planDrain(pods, {}).errors, ['cannot delete Pods that declare no controller (use --force to override): default/bare']);
    const forced = planDrain(pods, { force: true });
    assert.deepEqual(names(forced.toDelete), ['bare', 'rs']);
    assert.deepEqual(forced.warnings, ['deleting Pods that declare no controller: default/bare']);
  });

  it('refuses DaemonSet pods unless ignored, and emptyDir pods unless allowed', () => {
    const pods = [pod('ds', { owner: 'DaemonSet' }), pod('cache', { owner: 'ReplicaSet', emptyDir: true })];
    const plan = planDrain(pods, {});
    assert.equal(plan.errors.length, 2);
    assert.match(plan.errors[0], /DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): default\/ds/);
    assert.match(plan.errors[1], /local storage \(use --delete-emptydir-data to override\): default\/cache/);
    const ok = planDrain(pods, { ignoreDaemonsets: true, deleteEmptydirData: true });
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(names(ok.toDelete), ['cache']);
    assert.deepEqual(names(ok.ignored), ['ds']);
  });
});
