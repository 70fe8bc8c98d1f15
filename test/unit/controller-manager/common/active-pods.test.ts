import { strict as assert } from 'node:assert';
import { compareForDeletion, podsToDelete, POD_DELETION_COST } from '../../../../services/controller-manager/common/active-pods';
import { pod } from '../support/fixtures';

describe('pod ranking for scale-down', () => {
  const cases: { name: string; first: ReturnType<typeof pod>; second: ReturnType<typeof pod> }[] = [
    { name: 'unscheduled before scheduled', first: pod('a'), second: pod('b', { nodeName: 'n1', phase: 'Pending' }) },
    { name: 'Pending before Unknown', first: pod('a', { nodeName: 'n1', phase: 'Pending' }), second: pod('b', { nodeName: 'n1', phase: 'Unknown' }) },
    { name: 'Unknown before Running', first: pod('a', { nodeName: 'n1', phase: 'Unknown' }), second: pod('b', { nodeName: 'n1' }) },
    { name: 'not ready before ready', first: pod('a', { nodeName: 'n1', ready: false }), second: pod('b', { nodeName: 'n1', readySince: 0 }) },
    {
      name: 'lower deletion cost first',
      first: (() => {
        const p = pod('a', { nodeName: 'n1', readySince: 0 });
        p.metadata!.annotations[POD_DELETION_COST] = '-5';
        return p;
      })(),
      second: pod('b', { nodeName: 'n1', readySince: 0 }),
    },
    { name: 'ready for less time first', first: pod('a', { nodeName: 'n1', readySince: 100 }), second: pod('b', { nodeName: 'n1', readySince: 10 }) },
    { name: 'more restarts first', first: pod('a', { nodeName: 'n1', readySince: 0, restarts: 4 }), second: pod('b', { nodeName: 'n1', readySince: 0, restarts: 1 }) },
    { name: 'newer first', first: pod('a', { nodeName: 'n1', readySince: 0, created: 20 }), second: pod('b', { nodeName: 'n1', readySince: 0, created: 10 }) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.ok(compareForDeletion(c.first, c.second) < 0);
      assert.ok(compareForDeletion(c.second, c.first) > 0);
    });
  }

  it('prefers pods on nodes crowded with pods of the same workload', () => {
    const lonely = pod('lonely', { nodeName: 'n1', readySince: 0, created: 50 });
    const crowded = pod('crowded', { nodeName: 'n2', readySince: 0, created: 0 });
    const sibling = pod('sibling', { nodeName: 'n2', readySince: 0 });
    assert.deepEqual(podsToDelete([lonely, crowded], [lonely, crowded, sibling], 1).map((p) => p.metadata!.name), ['crowded']);
    assert.deepEqual(podsToDelete([lonely, crowded], [lonely, crowded], 1).map((p) => p.metadata!.name), ['lonely']);
  });

  it('returns every pod when asked for as many', () => {
    assert.equal(podsToDelete([pod('a'), pod('b')], [], 5).length, 2);
  });
});
