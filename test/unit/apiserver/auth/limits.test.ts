import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import { ApiError, InvalidError, NotFoundError, TooManyRequestsError, toServiceError } from '../../../../lib/api/errors';
import { MAX_CAUSES, MAX_MESSAGE_CHARS, boundError } from '../../../../services/apiserver/auth/limits/bounded-errors';
import { InflightLimiter } from '../../../../services/apiserver/auth/limits/inflight-limiter';
import { checkPatch, jsonNesting } from '../../../../services/apiserver/auth/limits/patch-limits';

describe('request limits', () => {
  describe('InflightLimiter', () => {
    it('refuses beyond each pool with RESOURCE_EXHAUSTED and a retry-after hint', () => {
      const l = new InflightLimiter({ maxReadonly: 2, maxMutating: 1, retryAfterSeconds: 1 });
      const r1 = l.acquire(false, false);
      l.acquire(false, false);
      assert.throws(() => l.acquire(false, false), (e: TooManyRequestsError) => {
        assert.equal(e.code, status.RESOURCE_EXHAUSTED);
        assert.equal(toServiceError(e).metadata!.get('retry-after')[0], '1');
        assert.match(e.message, /too many requests in flight \(2 read-only/);
        return true;
      });
      const w = l.acquire(true, false);
      assert.throws(() => l.acquire(true, false), /1 mutating/);
      r1();
      r1(); // releasing twice frees one slot only
      l.acquire(false, false);
      assert.throws(() => l.acquire(false, false));
      w();
      assert.deepEqual(l.current, { readonly: 2, mutating: 0 });
    });

    it('counts but never refuses requests that must get through (admins, heartbeats)', () => {
      const l = new InflightLimiter({ maxReadonly: 1, maxMutating: 1, retryAfterSeconds: 1 });
      l.acquire(true, false);
      const release = l.acquire(true, true);
      assert.equal(l.current.mutating, 2);
      release();
      assert.equal(l.current.mutating, 1);
    });

    it('0 means unlimited', () => {
      const l = new InflightLimiter({ maxReadonly: 0, maxMutating: 0, retryAfterSeconds: 1 });
      for (let i = 0; i < 1000; i++) l.acquire(i % 2 === 0, false);
      assert.deepEqual(l.current, { readonly: 500, mutating: 500 });
    });
  });

  describe('patch bounds', () => {
    it('measures nesting without parsing, ignoring brackets in strings', () => {
      assert.equal(jsonNesting('{"a":{"b":[1,2,{"c":"[[[{{{"}]}}'), 4);
      assert.equal(jsonNesting('"\\"[["'), 0);
      assert.equal(jsonNesting('not json at all'), 0);
    });
    it('refuses deep patches before they reach the recursive merge', () => {
      checkPatch('{"metadata":{"labels":{"a":"b"}}}');
      assert.throws(() => checkPatch('['.repeat(5000)), /nested 5000 levels deep; at most 100/);
    });
  });

  describe('bounded errors', () => {
    it('cuts long messages and long cause lists, keeping the error type', () => {
      const causes = Array.from({ length: 500 }, (_, i) => ({ field: `metadata.labels[${i}]`, message: `Invalid value: "${'x'.repeat(10_000)}"` }));
      const b = boundError(new InvalidError(`Pod "p" is invalid: ${'y'.repeat(100_000)}`, causes)) as InvalidError;
      assert.ok(b instanceof InvalidError);
      assert.equal(b.code, status.INVALID_ARGUMENT);
      assert.ok(b.message.length < MAX_MESSAGE_CHARS + 200, `message of ${b.message.length}`);
      assert.match(b.message, /500 errors, the first 20 listed/);
      assert.equal(b.causes.length, MAX_CAUSES);
      assert.ok(JSON.stringify(toServiceError(b).metadata!.toHttp2Headers()).length < 16_000);
      const tm = boundError(new TooManyRequestsError('z'.repeat(5000), 3)) as TooManyRequestsError;
      assert.equal(tm.retryAfterSeconds, 3);
      const nf = boundError(new NotFoundError('n'.repeat(5000))) as ApiError;
      assert.equal(nf.code, status.NOT_FOUND);
    });
    it('leaves small errors and foreign values alone', () => {
      const e = new NotFoundError('pods "x" not found');
      assert.equal(boundError(e), e);
      assert.equal(boundError('s'), 's');
    });
  });
});
