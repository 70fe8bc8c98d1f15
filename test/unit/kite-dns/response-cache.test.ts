// The forwarded-answer cache: positive answers for their smallest TTL, negative ones for the
// SOA's (RFC 2308), at most the cache's own TTL (kubeadm's `cache 30`), TTLs counted down when
// served, SERVFAIL never kept, the oldest entry evicted.
import { strict as assert } from 'node:assert';
import type { Answer, Packet } from 'dns-packet';
import { cacheTtl, ResponseCache } from '../../../services/kite-dns/response-cache';

const a = (ttl: number, ip = '192.0.2.1'): Answer => ({ name: 'x.test', type: 'A', ttl, data: ip });
const soa = (ttl: number, minimum: number): Answer => ({ name: 'test', type: 'SOA', ttl, data: { mname: 'ns.test', rname: 'h.test', minimum } });
const response = (rcode: string, answers: Answer[], authorities: Answer[] = []) => ({ type: 'response', answers, authorities, additionals: [], rcode }) as Packet;

describe('kite-dns response cache', () => {
  it('keeps a positive answer for its smallest TTL, capped at an hour', () => {
    assert.equal(cacheTtl('NOERROR', [a(60), a(30)], []), 30);
    assert.equal(cacheTtl('NOERROR', [a(86_400)], []), 3600);
  });

  it('keeps NXDOMAIN and NODATA for the SOA TTL or minimum, whichever is smaller, and nothing without an SOA', () => {
    assert.equal(cacheTtl('NXDOMAIN', [], [soa(300, 60)]), 60);
    assert.equal(cacheTtl('NOERROR', [], [soa(20, 60)]), 20);
    assert.equal(cacheTtl('NXDOMAIN', [], []), 0);
    assert.equal(cacheTtl('SERVFAIL', [], [soa(300, 60)]), 0);
  });

  it('serves with TTLs counted down and drops the entry once expired', () => {
    let now = 1_000_000;
    const cache = new ResponseCache(10, () => now);
    cache.set('k', response('NOERROR', [a(30)]));
    now += 10_500;
    assert.deepEqual(cache.get('k')!.answers.map((r) => (r as { ttl: number }).ttl), [20]);
    now += 20_000;
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });

  it("keeps no answer longer than the cache's TTL, and serves no record with a longer TTL", () => {
    let now = 1_000_000;
    const cache = new ResponseCache(10, () => now, 30);
    cache.set('pos', response('NOERROR', [a(3600), a(60, '192.0.2.2')]));
    cache.set('neg', response('NXDOMAIN', [], [soa(300, 600)]));
    cache.set('short', response('NOERROR', [a(10)]));
    now += 5_000;
    assert.deepEqual(cache.get('pos')!.answers.map((r) => (r as { ttl: number }).ttl), [25, 25]);
    assert.deepEqual(cache.get('neg')!.authority.map((r) => (r as { ttl: number }).ttl), [25]);
    assert.deepEqual(cache.get('short')!.answers.map((r) => (r as { ttl: number }).ttl), [5]);
    now += 25_000;
    assert.equal(cache.get('pos'), undefined);
    assert.equal(cache.get('neg'), undefined);
  });

  it('does not keep SERVFAIL, and evicts the oldest entry when full', () => {
    const cache = new ResponseCache(2);
    cache.set('fail', response('SERVFAIL', []));
    assert.equal(cache.get('fail'), undefined);
    cache.set('one', response('NOERROR', [a(60)]));
    cache.set('two', response('NOERROR', [a(60)]));
    cache.set('three', response('NOERROR', [a(60)]));
    assert.equal(cache.get('one'), undefined);
    assert.ok(cache.get('two') && cache.get('three'));
  });
});
