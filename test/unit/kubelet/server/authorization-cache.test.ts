// The kubelet's cache of authorization answers: allowed and denied answers expire after their
// own TTLs (Kubernetes' 5 min and 30 s by default), a zero TTL keeps nothing, and the cache is
// bounded (least recently used out first).
import { strict as assert } from 'node:assert';
import { AuthorizationCache, DEFAULT_AUTHORIZATION_CACHE_TTLS } from '../../../../services/kubelet/server/authorization-cache';

describe('kubelet authorization cache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('defaults to Kubernetes\' webhook TTLs', () => {
    assert.deepEqual(DEFAULT_AUTHORIZATION_CACHE_TTLS, { authorizedMs: 300_000, unauthorizedMs: 30_000 });
  });

  it('keeps an allowed answer for the authorized TTL and a denied one for the unauthorized TTL', () => {
    const cache = new AuthorizationCache({ authorizedMs: 300_000, unauthorizedMs: 30_000 }, clock);
    cache.set('yes', true);
    cache.set('no', false);
    assert.equal(cache.get('yes'), true);
    assert.equal(cache.get('no'), false);
    assert.equal(cache.get('other'), undefined);
    now += 29_999;
    assert.equal(cache.get('no'), false);
    now += 1;
    assert.equal(cache.get('no'), undefined);
    assert.equal(cache.get('yes'), true);
    now += 270_000;
    assert.equal(cache.get('yes'), undefined);
    assert.equal(cache.size, 0);
  });

  it('a new answer replaces the old one, with its own TTL', () => {
    const cache = new AuthorizationCache({ authorizedMs: 300_000, unauthorizedMs: 30_000 }, clock);
    cache.set('k', true);
    cache.set('k', false);
    assert.equal(cache.get('k'), false);
    now += 30_000;
    assert.equal(cache.get('k'), undefined);
  });

  it('keeps nothing with a zero TTL', () => {
    const cache = new AuthorizationCache({ authorizedMs: 0, unauthorizedMs: 30_000 }, clock);
    cache.set('k', true);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });

  it('is bounded: the least recently used answer goes first', () => {
    const cache = new AuthorizationCache({ authorizedMs: 300_000, unauthorizedMs: 30_000 }, clock, 2);
    cache.set('a', true);
    cache.set('b', true);
    assert.equal(cache.get('a'), true);
    cache.set('c', true);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), true);
    assert.equal(cache.get('c'), true);
  });
});
