// The deadline a request's storage calls get (services/apiserver/storage/request-deadline.ts):
// 90% of the client's remaining time, capped at kube-apiserver's --request-timeout default.
import { strict as assert } from 'node:assert';
import { currentStorageDeadline, DEFAULT_REQUEST_TIMEOUT_MS, storageDeadline, withoutRequestDeadline, withRequestDeadline } from '../../../../services/apiserver/storage/request-deadline';

describe('storage request deadline', () => {
  const now = 1_000_000;

  it('leaves the client a tenth of its remaining time to receive the answer', () => {
    assert.equal(storageDeadline(now + 5000, now), now + 4500);
    assert.equal(storageDeadline(now + 100, now), now + 90);
  });

  it('caps a long or absent client deadline at the 60 s request timeout', () => {
    assert.equal(storageDeadline(now + 600_000, now), now + DEFAULT_REQUEST_TIMEOUT_MS);
    assert.equal(storageDeadline(Infinity, now), now + 60_000);
  });

  it('a deadline already past leaves no time', () => {
    assert.equal(storageDeadline(now - 10, now), now);
  });

  it('is carried across awaits to the storage call, and not into what runs outside the request', async () => {
    const far = Date.now() + 10 * DEFAULT_REQUEST_TIMEOUT_MS;
    const soon = Date.now() + 1000;
    const seen = await withRequestDeadline(soon, async () => {
      await new Promise((r) => setImmediate(r));
      return { inside: currentStorageDeadline(), outside: withoutRequestDeadline(() => currentStorageDeadline()) };
    });
    assert.ok(seen.inside <= soon);
    assert.ok(seen.outside > soon && seen.outside < far);
  });
});
