// The apiserver waits for its store at start instead of exiting (kube-apiserver keeps dialling
// etcd): the revision read is retried with a doubling, capped pause, each failure logged.
import { strict as assert } from 'node:assert';
import { MemoryStorage } from '../../../../services/apiserver/storage/memory';
import { waitForStorage } from '../../../../services/apiserver/storage/wait-for-storage';

describe('apiserver: waiting for the store at start', () => {
  it('retries the store until it answers, pausing 250 ms doubling up to 5 s, and resolves with its revision', async () => {
    const storage = new MemoryStorage();
    await storage.create('/registry/x', new Uint8Array([1]));
    const answer = storage.currentRevision.bind(storage);
    let failures = 7;
    storage.currentRevision = () => (failures-- > 0 ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:2379')) : answer());
    const pauses: number[] = [];
    const warnings: unknown[] = [];
    const revision = await waitForStorage(storage, { warn: (o: unknown) => void warnings.push(o) }, { sleep: async (ms) => void pauses.push(ms) });
    assert.equal(revision, await answer());
    assert.deepEqual(pauses, [250, 500, 1000, 2000, 4000, 5000, 5000]);
    assert.equal(warnings.length, 7);
    assert.match(JSON.stringify(warnings[0]), /ECONNREFUSED/);
  });

  it('does not pause when the store answers at once', async () => {
    const pauses: number[] = [];
    await waitForStorage(new MemoryStorage(), { warn: () => undefined }, { sleep: async (ms) => void pauses.push(ms) });
    assert.deepEqual(pauses, []);
  });
});
