import { strict as assert } from 'node:assert';
import { ControllerRevisions, DaemonSets } from '../../../../lib/api/kinds';
import { selectorFromLabelSelector } from '../../../../lib/api/selectors';
import { ControllerRevision, DaemonSet } from '../../../../lib/gen/kite/apps/v1/types';
import type { PodTemplateSpec } from '../../../../lib/gen/kite/core/v1/types';
import {
  CONTROLLER_REVISION_HASH,
  equalRevision,
  newRevision,
  nextRevision,
  revisionHash,
  revisionName,
  RevisionHistory,
  sortRevisions,
  templateFromRevision,
} from '../../../../services/controller-manager/history/history';
import { preload, testContext, type TestContext } from '../support/context';
import { controllerRef } from '../support/fixtures';

const template = (image: string): PodTemplateSpec =>
  ({ metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image }] } }) as unknown as PodTemplateSpec;

function owner(): DaemonSet {
  return DaemonSet.fromPartial({ metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', annotations: { 'kubernetes.io/change-cause': 'v1' } }, spec: { template: template('v1') } });
}

describe('controller history', () => {
  let ctx: TestContext;
  let h: RevisionHistory;
  beforeEach(() => {
    ctx = testContext();
    h = new RevisionHistory(ctx.client, ctx.informers.forKind(ControllerRevisions).lister());
  });

  it('hashes templates stably, salted by collisionCount, and names revisions <owner>-<hash>', () => {
    assert.equal(revisionHash(template('v1')), revisionHash(template('v1')));
    assert.notEqual(revisionHash(template('v1')), revisionHash(template('v2')));
    assert.notEqual(revisionHash(template('v1'), 0), revisionHash(template('v1'), 1));
    assert.match(revisionHash(template('v1')), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(revisionName('x'.repeat(300), 'abc').length, 227);
  });

  it('snapshots a template owned by its controller and reads it back', () => {
    const rev = newRevision(owner(), DaemonSets, template('v1'), 3);
    const hash = revisionHash(template('v1'));
    assert.equal(rev.metadata!.name, `agent-${hash}`);
    assert.deepEqual(rev.metadata!.labels, { app: 'agent', [CONTROLLER_REVISION_HASH]: hash });
    assert.deepEqual(rev.metadata!.ownerReferences, [controllerRef(owner(), DaemonSets)]);
    assert.deepEqual(rev.metadata!.annotations, { 'kubernetes.io/change-cause': 'v1' });
    assert.equal((rev.data as any).spec.template.$patch, 'replace');
    assert.equal(templateFromRevision(rev)!.spec!.containers[0].image, 'v1');
    assert.equal(rev.revision, 3);
  });

  it('sorts by revision then name, finds the next revision and equal ones', () => {
    const a = newRevision(owner(), DaemonSets, template('v1'), 2);
    const b = newRevision(owner(), DaemonSets, template('v2'), 1);
    assert.deepEqual(sortRevisions([a, b]).map((r) => r.revision), [1, 2]);
    assert.equal(nextRevision([a, b]), 3);
    assert.equal(nextRevision([]), 1);
    assert.ok(equalRevision(a, newRevision(owner(), DaemonSets, template('v1'), 7)));
    assert.ok(!equalRevision(a, b));
  });

  it('returns an equal revision that already exists; bumps collisionCount when the name is taken by another template', async () => {
    const mine = newRevision(owner(), DaemonSets, template('v1'), 1);
    preload(ctx, ControllerRevisions, mine);
    const same = await h.create(owner(), DaemonSets, template('v1'), 1);
    assert.equal(same.collisionCount, undefined);
    assert.equal(same.revision.metadata!.name, mine.metadata!.name);

    // Another owner's revision under our name: a collision.
    const other = ControllerRevision.fromPartial({ ...structuredClone(mine), metadata: { ...structuredClone(mine.metadata!), ownerReferences: [] } });
    const ctx2 = testContext();
    preload(ctx2, ControllerRevisions, other);
    const h2 = new RevisionHistory(ctx2.client, ctx2.informers.forKind(ControllerRevisions).lister());
    const got = await h2.create(owner(), DaemonSets, template('v1'), 1);
    assert.equal(got.collisionCount, 1);
    assert.equal(got.revision.metadata!.name, `agent-${revisionHash(template('v1'), 1)}`);
    assert.ok(ctx2.client.calls.some((c) => c.verb === 'create'));
  });

  it('lists only the owner\'s revisions, adopts matching orphans and truncates oldest first, sparing live ones', async () => {
    const revs = ['v1', 'v2', 'v3', 'v4'].map((v, i) => newRevision(owner(), DaemonSets, template(v), i + 1));
    const orphan = newRevision(owner(), DaemonSets, template('v0'), 9);
    orphan.metadata!.ownerReferences = [];
    preload(ctx, DaemonSets, owner());
    preload(ctx, ControllerRevisions, ...revs, orphan);
    assert.deepEqual(h.list(owner()).map((r) => r.revision), [1, 2, 3, 4]);
    const claimed = await h.claim(owner(), DaemonSets, selectorFromLabelSelector({ matchLabels: { app: 'agent' }, matchExpressions: [] }));
    assert.deepEqual(claimed.map((r) => r.revision), [1, 2, 3, 4, 9]);
    ctx.client.clearCalls();
    const live = revs[0].metadata!.name;
    const deleted = await h.truncate(revs.slice(0, 3), 1, (r) => r.metadata!.name === live);
    assert.deepEqual(deleted, [revs[1].metadata!.name, revs[2].metadata!.name]);
    const renumbered = await h.setRevision(ctx.client.tracked(ControllerRevisions, 'default', revs[0].metadata!.name)!, 5);
    assert.equal(renumbered.revision, 5);
  });
});
