// The watch cache's watcher index: an event reaches the watchers whose selector can match its new
// or old object (by spec.nodeName, metadata.name or namespace) and every unindexed watcher, and no
// other; a pod bound to a node reaches both the unscheduled-pods watcher and the node's.
import { strict as assert } from 'node:assert';
import { parseFieldSelector, parseLabelSelector } from '../../../../lib/api/selectors';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { ObjectFilter } from '../../../../services/apiserver/watch/filter';
import { WatcherIndex } from '../../../../services/apiserver/watch/watcher-index';

interface W {
  name: string;
  filter: ObjectFilter<Pod>;
}

function watcher(name: string, namespace = '', fieldSelector = ''): W {
  return {
    name,
    filter: {
      namespace,
      labels: parseLabelSelector(''),
      fields: parseFieldSelector(fieldSelector),
      getField: (p, f) => (f === 'spec.nodeName' ? p.spec?.nodeName : f === 'metadata.name' ? p.metadata?.name : undefined),
    },
  };
}

const pod = (ns: string, name: string, nodeName = '') => Pod.fromPartial({ metadata: { namespace: ns, name }, spec: { nodeName } });
const reached = (index: WatcherIndex<Pod, W>, obj: Pod, prev?: Pod) => [...index.candidates(obj, prev)].map((w) => w.name).sort();

describe('WatcherIndex (the watch cache\'s fan-out)', () => {
  it('reaches the node\'s watchers, the namespace\'s, single-object watchers of that name and the unindexed ones, no others', () => {
    const index = new WatcherIndex<Pod, W>();
    for (let i = 0; i < 1000; i++) index.add(watcher(`kubelet-${i}`, '', `spec.nodeName=n${i}`));
    index.add(watcher('all'));
    index.add(watcher('team-ns', 'team'));
    index.add(watcher('other-ns', 'other'));
    index.add(watcher('one-pod', 'team', 'metadata.name=web'));
    index.add(watcher('another-pod', 'team', 'metadata.name=db'));
    assert.equal(index.size, 1005);
    assert.deepEqual(reached(index, pod('team', 'web', 'n7')), ['all', 'kubelet-7', 'one-pod', 'team-ns']);
    assert.deepEqual(reached(index, pod('other', 'x', 'n999')), ['all', 'kubelet-999', 'other-ns']);
  });

  it('an update reaches the watchers of the old state too: a bound pod leaves the scheduler\'s watch, a moved one its old node\'s', () => {
    const index = new WatcherIndex<Pod, W>();
    index.add(watcher('scheduler-unscheduled', '', 'spec.nodeName='));
    index.add(watcher('kubelet-a', '', 'spec.nodeName=a'));
    index.add(watcher('kubelet-b', '', 'spec.nodeName=b'));
    assert.deepEqual(reached(index, pod('ns', 'p')), ['scheduler-unscheduled']);
    assert.deepEqual(reached(index, pod('ns', 'p', 'a'), pod('ns', 'p')), ['kubelet-a', 'scheduler-unscheduled']);
    assert.deepEqual(reached(index, pod('ns', 'p', 'b'), pod('ns', 'p', 'a')), ['kubelet-a', 'kubelet-b']);
  });

  it('a deleted watcher is reached no more and its empty buckets go; clear empties everything', () => {
    const index = new WatcherIndex<Pod, W>();
    const a = watcher('kubelet-a', '', 'spec.nodeName=a');
    const ns = watcher('team-ns', 'team');
    const all = watcher('all');
    [a, ns, all].forEach((w) => index.add(w));
    assert.equal(index.delete(a), true);
    assert.equal(index.delete(a), false);
    assert.equal(index.delete(ns), true);
    assert.deepEqual(reached(index, pod('team', 'p', 'a')), ['all']);
    // Only unindexed watchers left: every event goes to exactly them, without building a set.
    assert.equal(index.candidates(pod('team', 'p', 'a'), undefined), index.candidates(pod('x', 'y'), undefined));
    index.clear();
    assert.equal(index.size, 0);
    assert.deepEqual(reached(index, pod('team', 'p', 'a')), []);
  });
});
