// The benchmarks' record of bound pods (bench/lib/bound-pods.ts): after the apiserver closes its
// watch and the resourceVersion it would resume from is too old for the watch cache, it lists
// again, so a pod bound meanwhile is still recorded (bench:scheduler's preemption workload saw
// no more binds once its watch had expired).
import { strict as assert } from 'node:assert';
import { trackBoundPods } from '../../../bench/lib/bound-pods';
import { ExpiredError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { waitFor } from '../../support/wait';

const pod = (name: string, nodeName: string, resourceVersion: string) =>
  Pod.fromPartial({ metadata: { name, namespace: 'default', resourceVersion }, spec: { nodeName } });

/** The apiserver as the watcher sees it: its first watch closed after one event, the next one too old. */
function fakeClient(): { client: Clientset; watchedFrom: string[] } {
  const watchedFrom: string[] = [];
  let lists = 0;
  const pods = {
    list: async () => {
      lists++;
      return lists === 1
        ? { items: [], metadata: { resourceVersion: '1' } }
        : { items: [pod('early', 'n1', '5'), pod('late', 'n2', '9')], metadata: { resourceVersion: '9' } };
    },
    async *watch(opts: { resourceVersion: string }, signal: AbortSignal) {
      watchedFrom.push(opts.resourceVersion);
      if (opts.resourceVersion === '1') {
        yield { type: 'MODIFIED', object: pod('early', 'n1', '5') };
        throw new Error('watcher too slow: closed');
      }
      if (opts.resourceVersion === '5') throw new ExpiredError('too old resource version: 5 (8)');
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    },
  };
  return { client: { pods } as unknown as Clientset, watchedFrom };
}

describe('bench: bound pods', () => {
  it('lists again when the watch it resumes has expired, and records the pods bound meanwhile', async () => {
    const { client, watchedFrom } = fakeClient();
    const bound = new Map<string, number>();
    const ac = new AbortController();
    const tracking = trackBoundPods(client, 'default', bound, ac.signal);
    try {
      await waitFor('the pod bound while the watch was expired', () => bound.has('late'), 5_000);
    } finally {
      ac.abort();
      await tracking;
    }
    assert.deepEqual([...bound.keys()], ['early', 'late']);
    assert.deepEqual(watchedFrom, ['1', '5', '9']);
  });
});
