// The error classes against Kubernetes' StatusReasons and wording, the trailers toServiceError
// writes only when they apply, how fromServiceError rebuilds errors whose trailers are missing or
// malformed, and the is* predicates.
import { strict as assert } from 'node:assert';
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import {
  AlreadyExistsError, ApiError, BadRequestError, CAUSES_TRAILER, ConflictError, ExpiredError, ForbiddenError, InternalError, InvalidError, NotFoundError,
  REASON_TRAILER, RequestTooLargeError, TimeoutError, TooManyRequestsError, UnauthenticatedError, UnavailableError, fromServiceError, isAlreadyExists,
  isBadRequest, isConflict, isExpired, isNotFound, toServiceError, wellFormed,
} from '../../../../lib/api/errors';

/** A client-side error as grpc-js reports it. */
function received(code: Status, details: string, trailers?: Record<string, string | Buffer>): ServiceError {
  let metadata: Metadata | undefined;
  if (trailers) {
    metadata = new Metadata();
    for (const [k, v] of Object.entries(trailers)) metadata.set(k, v);
  }
  return Object.assign(new Error(`${code} ${Status[code]}: ${details}`), { code, details, metadata: metadata as Metadata });
}

describe("API errors: Kubernetes' reasons and wording", () => {
  it('names each error with its Kubernetes StatusReason and gRPC code', () => {
    const table: [ApiError, Status, string][] = [
      [new NotFoundError('m'), Status.NOT_FOUND, 'NotFound'],
      [new AlreadyExistsError('m'), Status.ALREADY_EXISTS, 'AlreadyExists'],
      [new ConflictError('m'), Status.ABORTED, 'Conflict'],
      [new ExpiredError('m'), Status.OUT_OF_RANGE, 'Expired'],
      [new InvalidError('m'), Status.INVALID_ARGUMENT, 'Invalid'],
      [new BadRequestError('m'), Status.INVALID_ARGUMENT, 'BadRequest'],
      [new UnauthenticatedError('m'), Status.UNAUTHENTICATED, 'Unauthorized'],
      [new ForbiddenError('m'), Status.PERMISSION_DENIED, 'Forbidden'],
      [new TooManyRequestsError('m'), Status.RESOURCE_EXHAUSTED, 'TooManyRequests'],
      [new RequestTooLargeError('m'), Status.RESOURCE_EXHAUSTED, 'RequestEntityTooLarge'],
      [new UnavailableError('m'), Status.UNAVAILABLE, 'ServiceUnavailable'],
      [new TimeoutError('m'), Status.UNAVAILABLE, 'Timeout'],
      [new InternalError('m'), Status.INTERNAL, 'InternalError'],
    ];
    for (const [e, code, reason] of table) assert.deepEqual([e.name, e.code, e.reason], [e.constructor.name, code, reason]);
  });

  it('words an invalid object with its field error, and has no causes unless given', () => {
    const e = InvalidError.of('Pod "x"', [{ field: 'spec.containers[0].image', message: 'Required value' }]);
    assert.equal(e.message, 'Pod "x" is invalid: spec.containers[0].image: Required value');
    assert.deepEqual(new InvalidError('m').causes, []);
  });

  it('replaces lone surrogates only', () => {
    assert.equal(wellFormed('a\uD800b\uDC00c'), 'a\uFFFDb\uFFFDc');
    assert.equal(wellFormed('😀'), '😀');
  });
});

describe('API errors: trailers written only when they apply', () => {
  it('a reason that is not printable ASCII is not sent (grpc-js would refuse it)', () => {
    const md = toServiceError(new ApiError(Status.FAILED_PRECONDITION, 'm', 'Ünknown')).metadata!;
    assert.deepEqual(md.get(REASON_TRAILER), []);
    assert.deepEqual(toServiceError(new NotFoundError('m')).metadata!.get(REASON_TRAILER), ['NotFound']);
  });

  it('retry-after goes with TooManyRequests and Timeout, when finite', () => {
    assert.deepEqual(toServiceError(new TooManyRequestsError('m', 3)).metadata!.get('retry-after'), ['3']);
    assert.deepEqual(toServiceError(new TimeoutError('m', 2)).metadata!.get('retry-after'), ['2']);
    assert.deepEqual(toServiceError(new TooManyRequestsError('m', Infinity)).metadata!.get('retry-after'), []);
    assert.deepEqual(toServiceError(new RequestTooLargeError('m')).metadata!.get('retry-after'), []);
  });

  it('field causes go only with an InvalidError that has some', () => {
    assert.deepEqual(toServiceError(new InvalidError('m')).metadata!.get(CAUSES_TRAILER), []);
    assert.deepEqual(toServiceError(new BadRequestError('m')).metadata!.get(CAUSES_TRAILER), []);
  });

  it('describes a thrown value whose message cannot be read', () => {
    const hostile = { toString: () => { throw new Error('no'); } };
    assert.equal(toServiceError(hostile).details, 'Internal error occurred: [object Object]');
  });
});

describe('API errors: rebuilding what arrives', () => {
  it('without trailers, the code decides, with no causes and no retry-after', () => {
    assert.ok(fromServiceError(received(Status.NOT_FOUND, 'gone')) instanceof NotFoundError);
    const invalid = fromServiceError(received(Status.INVALID_ARGUMENT, 'bad'));
    assert.ok(invalid instanceof InvalidError);
    assert.deepEqual((invalid as InvalidError).causes, []);
    const busy = fromServiceError(received(Status.RESOURCE_EXHAUSTED, 'busy'));
    assert.equal((busy as TooManyRequestsError).retryAfterSeconds, 0);
  });

  it('an unknown reason falls back to the code, and is kept for codes without a class', () => {
    assert.ok(fromServiceError(received(Status.NOT_FOUND, 'gone', { [REASON_TRAILER]: 'Bogus' })) instanceof NotFoundError);
    const odd = fromServiceError(received(Status.FAILED_PRECONDITION, 'odd', { [REASON_TRAILER]: 'Bogus' }));
    assert.deepEqual([odd.constructor, odd.code, odd.reason, odd.message], [ApiError, Status.FAILED_PRECONDITION, 'Bogus', 'odd']);
    assert.equal(fromServiceError(received(Status.FAILED_PRECONDITION, 'odd')).reason, 'FAILED_PRECONDITION');
    assert.equal(fromServiceError(received(99 as Status, 'odd')).reason, 'Unknown');
  });

  it('a retry-after that is not a number is 0', () => {
    const e = fromServiceError(received(Status.RESOURCE_EXHAUSTED, 'busy', { [REASON_TRAILER]: 'TooManyRequests', 'retry-after': 'soon' }));
    assert.equal((e as TooManyRequestsError).retryAfterSeconds, 0);
  });

  it('keeps the well-formed field causes only', () => {
    const causes = (raw: string | Buffer) =>
      (fromServiceError(received(Status.INVALID_ARGUMENT, 'bad', { [REASON_TRAILER]: 'Invalid', [CAUSES_TRAILER]: raw })) as InvalidError).causes;
    const mixed = [{ field: 'a', message: 'b' }, { field: 1, message: 'x' }, null, { message: 'x' }, { field: 'c' }];
    assert.deepEqual(causes(Buffer.from(JSON.stringify(mixed))), [{ field: 'a', message: 'b' }]);
    assert.deepEqual(causes(Buffer.from('{"field":"a","message":"b"}')), []);
    assert.deepEqual(causes(Buffer.from('not json')), []);
  });
});

describe('API errors: predicates', () => {
  it('match their class (BadRequest by reason, the others by code), nothing else', () => {
    const all = [new BadRequestError('m'), new InvalidError('m'), new NotFoundError('m'), new AlreadyExistsError('m'), new ConflictError('m'), new ExpiredError('m'), new Error('m'), 'x'];
    const which = (p: (e: unknown) => boolean) => all.map(p);
    assert.deepEqual(which(isBadRequest), [true, false, false, false, false, false, false, false]);
    assert.deepEqual(which(isNotFound), [false, false, true, false, false, false, false, false]);
    assert.deepEqual(which(isAlreadyExists), [false, false, false, true, false, false, false, false]);
    assert.deepEqual(which(isConflict), [false, false, false, false, true, false, false, false]);
    assert.deepEqual(which(isExpired), [false, false, false, false, false, true, false, false]);
  });
});
