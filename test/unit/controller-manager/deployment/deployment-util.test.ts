import { strict as assert } from 'node:assert';
import { Deployment, ReplicaSet } from '../../../../lib/gen/kite/apps/v1/types';
import {
  availableReplicaCount,
  byCreationTimestamp,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  deploymentComplete,
  deploymentProgressing,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  filterActive,
  findNewReplicaSet,
  findOldReplicaSets,
  hasProgressDeadline,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  MAX_REVISION_HISTORY_CHARS,
  readyReplicaCount,
  replicaCount,
  actualReplicaCount,
  revisionOf,
  setReplicasAnnotations,
  specReplicas,
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
    [10, 0, '25%', 0, 2],
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
    ['old not scaled down yet, beyond the surge', 10, 10, 5, 5],
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

describe('deployment utilities as Kubernetes defines them', () => {
  const names = (rss: ReplicaSet[]) => rss.map((rs) => rs.metadata!.name);
  const bare = Deployment.fromPartial({ metadata: { name: 'web' }, spec: { replicas: 10 } });

  it("uses Kubernetes' annotation names", () => {
    assert.deepEqual(
      [REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, MAX_REVISION_HISTORY_CHARS],
      ['deployment.kubernetes.io/revision', 'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas', 'deployment.kubernetes.io/max-replicas', 2000],
    );
  });

  it('objects without a spec have no replicas', () => {
    assert.equal(specReplicas(undefined), 0);
    assert.equal(specReplicas(ReplicaSet.fromPartial({ metadata: { name: 'x' } })), 0);
  });

  it('a Deployment without a strategy rolls, one pod unavailable at a time and no surge', () => {
    assert.equal(isRollingUpdate(bare), true);
    assert.deepEqual(resolveFenceposts(bare), { surge: 0, unavailable: 1 });
    assert.equal(newRSNewReplicas(bare, [replicaSet('old', { replicas: 10 }), replicaSet('new', { replicas: 0 })], replicaSet('new', { replicas: 0 })), 0);
  });

  it('sums spec, actual, ready and available replicas, skipping missing ReplicaSets', () => {
    const rss = [replicaSet('a', { replicas: 3, status: { replicas: 3, readyReplicas: 2, availableReplicas: 1 } }), undefined, replicaSet('b', { replicas: 2, status: { replicas: 1 } })];
    assert.deepEqual([replicaCount(rss), actualReplicaCount(rss), readyReplicaCount(rss), availableReplicaCount(rss)], [5, 4, 2, 1]);
  });

  it('compares pod templates without the pod-template-hash label', () => {
    const a = replicaSet('a').spec!.template!;
    const b = structuredClone(a);
    b.metadata!.labels['pod-template-hash'] = 'abc';
    assert.equal(equalIgnoreHash(a, b), true);
    assert.equal(equalIgnoreHash(a, replicaSet('c', { image: 'nginx:2' }).spec!.template), false);
    assert.equal(equalIgnoreHash(undefined, { metadata: undefined, spec: undefined }), true, 'empty equals absent');
  });

  it('orders ReplicaSets oldest first, ties by name', () => {
    const rss = [replicaSet('c', { created: 5 }), replicaSet('b', { created: 1 }), replicaSet('a', { created: 5 })];
    assert.deepEqual(names([...rss].sort(byCreationTimestamp)), ['b', 'a', 'c']);
  });

  it('by size: largest first, then newer first to scale up or older first to scale down', () => {
    const rss = [replicaSet('old', { replicas: 2, created: 1 }), replicaSet('big', { replicas: 5, created: 3 }), replicaSet('new', { replicas: 2, created: 9 })];
    assert.deepEqual(names([...rss].sort(bySizeNewer)), ['big', 'new', 'old']);
    assert.deepEqual(names([...rss].sort(bySizeOlder)), ['big', 'old', 'new']);
  });

  it('reads revisions: a missing or non-integer annotation is revision 0', () => {
    const rev = (v?: string) => revisionOf(replicaSet('x', { annotations: v === undefined ? {} : { [REVISION]: v } }));
    assert.deepEqual([rev('3'), rev(), rev(''), rev('abc'), rev('1.5')], [3, 0, 0, 0, 0]);
    assert.equal(revisionOf(ReplicaSet.fromPartial({})), 0);
    const rss = [replicaSet('r3', { annotations: { [REVISION]: '3' } }), replicaSet('r1', { annotations: { [REVISION]: '1' }, created: 9 }), replicaSet('r1-older', { annotations: { [REVISION]: '1' }, created: 2 })];
    assert.deepEqual(names([...rss].sort(byRevision)), ['r1-older', 'r1', 'r3']);
    assert.equal(maxRevision(rss), 3);
  });

  it('the new ReplicaSet is the oldest whose template matches; the old ones are the rest', () => {
    const d = deployment('web', { image: 'nginx:2' });
    const v1 = replicaSet('v1', { image: 'nginx', replicas: 2, created: 0 });
    const v1empty = replicaSet('v1-empty', { image: 'nginx', replicas: 0, created: 1 });
    const newer = replicaSet('v2-newer', { image: 'nginx:2', created: 8 });
    const older = replicaSet('v2-older', { image: 'nginx:2', created: 4 });
    assert.equal(findNewReplicaSet(d, [newer, v1, older])?.metadata!.name, 'v2-older');
    const old = findOldReplicaSets(d, [newer, v1, v1empty, older]);
    assert.deepEqual(names(old.all), ['v2-newer', 'v1', 'v1-empty']);
    assert.deepEqual(names(old.withReplicas), ['v2-newer', 'v1']);
    assert.equal(findNewReplicaSet(d, [v1]), undefined);
  });

  it('active ReplicaSets are those with replicas', () => {
    assert.deepEqual(names(filterActive([replicaSet('a', { replicas: 1 }), undefined, replicaSet('b', { replicas: 0 })])), ['a']);
  });

  it('reads the desired-replicas annotation only when it is an integer', () => {
    const desired = (v?: string) => desiredReplicasAnnotation(replicaSet('x', { annotations: v === undefined ? {} : { [DESIRED_REPLICAS]: v } }));
    assert.deepEqual([desired('4'), desired(), desired(''), desired('x'), desired('0')], [4, undefined, undefined, undefined, 0]);
    assert.equal(desiredReplicasAnnotation(ReplicaSet.fromPartial({})), undefined);
  });

  it('sets the replica annotations only when they differ', () => {
    const rs = replicaSet('x', { annotations: { [DESIRED_REPLICAS]: '3', [MAX_REPLICAS]: '4' } });
    assert.equal(setReplicasAnnotations(rs, 3, 4), false);
    assert.equal(setReplicasAnnotations(rs, 3, 5), true);
    assert.deepEqual(rs.metadata!.annotations, { [DESIRED_REPLICAS]: '3', [MAX_REPLICAS]: '5' });
    assert.equal(setReplicasAnnotations(rs, 2, 5), true);
    assert.equal(rs.metadata!.annotations[DESIRED_REPLICAS], '2');
  });

  it('copies no deployment-controller annotation to a ReplicaSet', () => {
    const skipped = {
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      [REVISION]: '9',
      [REVISION_HISTORY]: '1,2',
      [DESIRED_REPLICAS]: '7',
      [MAX_REPLICAS]: '8',
      'deprecated.deployment.rollback.to': '1',
    };
    const rs = replicaSet('x', { annotations: { team: 'a', [REVISION]: '2' } });
    assert.equal(setNewReplicaSetAnnotations(deployment('web', { annotations: { ...skipped, team: 'a' } }), rs, 2, true), false, 'nothing to change');
    assert.deepEqual(rs.metadata!.annotations, { team: 'a', [REVISION]: '2' });
  });

  it('leaves a ReplicaSet whose revision is not a number at its revision', () => {
    const rs = replicaSet('x', { annotations: { [REVISION]: 'abc' } });
    assert.equal(setNewReplicaSetAnnotations(deployment('web'), rs, 3, true), false);
    assert.equal(rs.metadata!.annotations[REVISION], 'abc');
  });

  it('keeps revision-history under 2000 characters, dropping the oldest revisions', () => {
    const history = Array.from({ length: 400 }, (_, i) => String(1000 + i)).join(','); // 1999 characters
    const rs = replicaSet('x', { annotations: { [REVISION]: '2000', [REVISION_HISTORY]: history } });
    assert.equal(setNewReplicaSetAnnotations(deployment('web'), rs, 2001, true), true);
    const kept = rs.metadata!.annotations[REVISION_HISTORY];
    assert.ok(kept.length <= MAX_REVISION_HISTORY_CHARS, `${kept.length}`);
    assert.deepEqual(kept.split(',').slice(0, 2), ['1001', '1002']);
    assert.equal(kept.split(',').at(-1), '2000');
  });

  it('is saturated when the new ReplicaSet has, was sized for and has available all the replicas', () => {
    const d = deployment('web', { replicas: 3 });
    const rs = (replicas: number, desired: string | undefined, available: number) =>
      replicaSet('x', { replicas, annotations: desired === undefined ? {} : { [DESIRED_REPLICAS]: desired }, status: { availableReplicas: available } });
    assert.equal(isSaturated(d, rs(3, '3', 3)), true);
    assert.equal(isSaturated(d, rs(3, undefined, 3)), false);
    assert.equal(isSaturated(d, rs(2, '3', 3)), false);
    assert.equal(isSaturated(d, rs(3, '2', 3)), false);
    assert.equal(isSaturated(d, rs(3, '3', 2)), false);
    assert.equal(isSaturated(d, undefined), false);
  });

  it('proportions: nothing for empty ReplicaSets or when nothing is left to add', () => {
    const d = deployment('web', { replicas: 20 });
    const rs = replicaSet('a', { replicas: 6, annotations: { [MAX_REPLICAS]: '13' } });
    assert.equal(proportion(replicaSet('z', { replicas: 0 }), d, 12, 0), 0);
    assert.equal(proportion(rs, d, 0, 0), 0);
    assert.equal(proportion(rs, d, 5, 5), 0);
    assert.equal(proportion(rs, d, 12, 10), 2, 'only what is left');
  });

  it('proportions when scaling down, rounding halves away from zero', () => {
    // 10 + 3 surge before, 5 + 2 surge now: 5 * 7 / 13 = 2.69 -> 3, so -2; never past what is left to remove
    const d = deployment('web', { replicas: 5 });
    const rs = replicaSet('a', { replicas: 5, annotations: { [MAX_REPLICAS]: '13' } });
    assert.equal(proportion(rs, d, -6, 0), -2);
    assert.equal(proportion(rs, d, -6, -5), -1);
    // 1 * 7 / 2 = 3.5 -> 4
    assert.equal(proportion(replicaSet('b', { replicas: 1, annotations: { [MAX_REPLICAS]: '2' } }), d, 6, 0), 3);
  });

  it("proportions fall back to the Deployment's current size without a max-replicas annotation", () => {
    const d = deployment('web', { replicas: 20, status: { replicas: 10 } });
    // 6 * 25 / 10 = 15
    assert.equal(proportion(replicaSet('a', { replicas: 6 }), d, 12, 0), 9);
    assert.equal(proportion(replicaSet('a', { replicas: 6 }), deployment('web', { replicas: 20 }), 12, 0), 0, 'no size known: nothing');
  });

  it('has a progress deadline unless it is unset or MaxInt32', () => {
    assert.equal(hasProgressDeadline(deployment('web', { progressDeadlineSeconds: 600 })), true);
    assert.equal(hasProgressDeadline(deployment('web', { progressDeadlineSeconds: 2147483647 })), false);
    assert.equal(hasProgressDeadline(bare), false);
  });

  it('is complete when every replica is updated and available and the generation observed', () => {
    const d = deployment('web', { replicas: 3, generation: 4 });
    const st = (o: Partial<{ updatedReplicas: number; replicas: number; availableReplicas: number; observedGeneration: number }>) =>
      ({ updatedReplicas: 3, replicas: 3, availableReplicas: 3, observedGeneration: 4, readyReplicas: 3, unavailableReplicas: 0, conditions: [], ...o }) as any;
    assert.equal(deploymentComplete(d, st({})), true);
    assert.equal(deploymentComplete(d, st({ observedGeneration: 5 })), true);
    assert.equal(deploymentComplete(d, st({ updatedReplicas: 2 })), false);
    assert.equal(deploymentComplete(d, st({ replicas: 4 })), false);
    assert.equal(deploymentComplete(d, st({ availableReplicas: 2 })), false);
    assert.equal(deploymentComplete(d, st({ observedGeneration: 3 })), false);
    assert.equal(deploymentComplete(Deployment.fromPartial({ spec: { replicas: 3 } }), st({ observedGeneration: 0 })), true);
  });

  it('is progressing when more replicas are updated, ready or available, or fewer old ones remain', () => {
    const old = { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, observedGeneration: 1, conditions: [] };
    const d = deployment('web', { status: old });
    const progressing = (o: Partial<typeof old>) => deploymentProgressing(d, { ...old, ...o } as any);
    assert.equal(progressing({}), false);
    assert.equal(progressing({ updatedReplicas: 2, replicas: 5 }), true);
    assert.equal(progressing({ replicas: 3 }), true, 'an old replica went');
    assert.equal(progressing({ replicas: 5 }), false, 'one more old replica is no progress');
    assert.equal(progressing({ readyReplicas: 4 }), true);
    assert.equal(progressing({ availableReplicas: 4 }), true);
    assert.equal(deploymentProgressing(bare, { ...old, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 } as any), true, 'first status');
    assert.equal(deploymentProgressing(bare, { ...old, replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 } as any), false);
  });
});

describe('revision annotations: boundaries', () => {
  // Oldest first: one long entry, then 398 four-digit revisions (398 * 5 - 1 characters).
  const history = (first: string) => [first, ...Array.from({ length: 398 }, (_, i) => String(1000 + i))].join(',');

  it('keeps a revision-history of exactly 2000 characters whole, and trims one character more', () => {
    const exact = replicaSet('x', { annotations: { [REVISION]: '2000', [REVISION_HISTORY]: history('10000') } }); // 1995 + 1 + 4
    setNewReplicaSetAnnotations(deployment('web'), exact, 2001, true);
    assert.equal(exact.metadata!.annotations[REVISION_HISTORY], `${history('10000')},2000`);
    const over = replicaSet('x', { annotations: { [REVISION]: '2000', [REVISION_HISTORY]: history('100000') } }); // 1996 + 1 + 4
    setNewReplicaSetAnnotations(deployment('web'), over, 2001, true);
    assert.equal(over.metadata!.annotations[REVISION_HISTORY], `${history('100000').slice('100000,'.length)},2000`);
  });

  it('reports a change when only the copied annotations change', () => {
    const rs = replicaSet('x', { annotations: { team: 'a', [REVISION]: '2' } });
    assert.equal(setNewReplicaSetAnnotations(deployment('web', { annotations: { team: 'b' } }), rs, 2, true), true);
    assert.equal(rs.metadata!.annotations.team, 'b');
  });
});
