import assert from 'node:assert/strict';
import { RuntimeCache } from '../../../../services/kubelet/pod-workers/runtime-cache';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import type { PodRuntimeState } from '../../../../services/kubelet/runtime/types';

/** A runtime whose listings finish only when the test says so. */
class GatedRuntime extends FakeRuntime {
  readonly gates: Array<() => void> = [];
  override async listPodContainers(): Promise<PodRuntimeState[]> {
    await new Promise<void>((r) => this.gates.push(r));
    return super.listPodContainers();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('kubelet RuntimeCache', () => {
  it('shares one listing among callers that arrive together', async () => {
    const runtime = new GatedRuntime();
    const cache = new RuntimeCache(runtime);
    const all = Promise.all([cache.fresh(), cache.fresh(), cache.fresh()]);
    await tick();
    assert.equal(runtime.gates.length, 1);
    runtime.gates[0]();
    const [a, b, c] = await all;
    assert.ok(a === b && b === c);
  });

  it('answers a caller arriving during a listing with the next listing, never the one in flight', async () => {
    const runtime = new GatedRuntime();
    const cache = new RuntimeCache(runtime);
    let firstDone = false;
    const first = cache.fresh().then((s) => ((firstDone = true), s));
    await tick();
    const second = cache.fresh();
    const third = cache.fresh();
    await tick();
    assert.equal(runtime.gates.length, 1, 'the next listing waits for the one in flight');
    runtime.gates[0]();
    await first;
    assert.ok(firstDone);
    await tick();
    assert.equal(runtime.gates.length, 2);
    runtime.gates[1]();
    assert.equal(await second, await third);
    assert.notEqual(await first, await second);
  });
});
