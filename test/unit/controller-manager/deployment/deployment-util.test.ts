import { strict as assert } from 'node:assert';
import {
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
} from '../../../../services/controller-manager/deployment/deployment-util';
import { deployment, replicaSet } from '../support/fixtures';

describe('rolling update arithmetic', () => {
  const fenceposts: [number, number | string, number | string, number, number][] = [
    // replicas, maxSurge, maxUnavailable -> surge (rounded up), unavailable (rounded down)
    [10, '25%', '25%', 3, 2],
    [4, '25%', '25%', 1, 1],
    [3, '25%', '25%', 1, 0],
    [1, '25%', '25%', 1, 0],
    [10, 2, 0, 2, 0],
    [10, '0%', '0%', 0, 1],
    [3, 0, '10%', 0, 1],
    [5, '100%', '100%', 5, 5],
  ];
  for (const [replicas, s, u, surge, unavailable] of fenceposts) {
    it(`${replicas} replicas, maxSurge ${s}, maxUnavailable ${u} -> surge ${surge}, unavailable ${unavailable}`, () => {
      const d = deployment('web', { replicas, maxSurge: s, maxUnavailable: u });
      assert.deepEqual(resolveFenceposts(d), { surge, unavailable });
      assert.equal(maxSurge(d), surge);
      assert.equal(maxUnavailable(d), Math.min(unavailable, replicas));
    });
  }

  it('has no surge or unavailability budget for Recreate, and none at zero replicas', () => {
    assert.equal(maxSurge(deployment('web', { strategy: 'Recreate' })), 0);
    assert.equal(maxUnavailable(deployment('web', { strategy: 'Recreate' })), 0);
    assert.equal(maxUnavailable(deployment('web', { replicas: 0 })), 0);
  });

  const newReplicas: [string, number, number, number, number][] = [
    // case, replicas, old RS size, new RS size -> new RS size allowed
    ['fresh rollout of 10 with 25% surge', 10, 10, 0, 3],
    ['surge used up', 10, 10, 3, 3],
    ['old scaled down frees room', 10, 7, 3, 6],
    ['never past the desired count', 10, 1, 9, 10],
    ['first ReplicaSet', 3, 0, 0, 3],
  ];
  for (const [name, replicas, oldSize, newSize, want] of newReplicas) {
    it(`new ReplicaSet size: ${name}`, () => {
      const d = deployment('web', { replicas });
      const oldRS = replicaSet('web-old', { replicas: oldSize });
      const newRS = replicaSet('web-new', { replicas: newSize });
      assert.equal(newRSNewReplicas(d, [oldRS, newRS], newRS), want);
    });
  }

  it('Recreate sizes the new ReplicaSet to the full count', () => {
    const d = deployment('web', { replicas: 4, strategy: 'Recreate' });
    assert.equal(newRSNewReplicas(d, [replicaSet('a', { replicas: 4 })], replicaSet('b', { replicas: 0 })), 4);
  });

  it('splits a resize in proportion to each ReplicaSet share of the previous size', () => {
    // 10 replicas + 3 surge before; now 20 replicas + 5 surge: the ReplicaSets double (rounded).
    const d = deployment('web', { replicas: 20 });
    const rs = replicaSet('a', { replicas: 6, annotations: { [MAX_REPLICAS]: '13' } });
    assert.equal(proportion(rs, d, 12, 0), 6);
    assert.equal(proportion(rs, d, 4, 0), 4, 'never more than is left to add');
    assert.equal(proportion(rs, deployment('web', { replicas: 0 }), -6, 0), -6);
  });
});

describe('revision annotations', () => {
  it('gives a ReplicaSet to be created its revision and sizes, and copies the Deployment annotations', () => {
    const d = deployment('web', { replicas: 4, annotations: { team: 'a', [REVISION]: '3', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
    const rs = replicaSet('web-x');
    assert.equal(setNewReplicaSetAnnotations(d, rs, 4, false), true);
    assert.deepEqual(rs.metadata!.annotations, { team: 'a', [REVISION]: '4', [DESIRED_REPLICAS]: '4', [MAX_REPLICAS]: '5' });
  });

  it('moves the old revision of a reused ReplicaSet into revision-history (rollback)', () => {
    const d = deployment('web');
    const rs = replicaSet('web-x', { annotations: { [REVISION]: '2', [REVISION_HISTORY]: '1' } });
    assert.equal(setNewReplicaSetAnnotations(d, rs, 5, true), true);
    assert.equal(rs.metadata!.annotations[REVISION], '5');
    assert.equal(rs.metadata!.annotations[REVISION_HISTORY], '1,2');
    assert.equal(setNewReplicaSetAnnotations(d, rs, 5, true), false, 'idempotent');
  });

  it('never lowers a revision', () => {
    const rs = replicaSet('web-x', { annotations: { [REVISION]: '7' } });
    assert.equal(setNewReplicaSetAnnotations(deployment('web'), rs, 3, true), false);
    assert.equal(rs.metadata!.annotations[REVISION], '7');
  });
});
