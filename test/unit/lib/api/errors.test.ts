// lib/api/errors over a real gRPC hop on loopback: every error class comes back as the same class
// with its code, reason, message, causes and retry-after; any text (non-ASCII, control characters,
// lone surrogates) crosses without grpc-js throwing; and what is not an ApiError becomes INTERNAL.
import { strict as assert } from 'node:assert';
import { Metadata, Server, ServerCredentials, Client, credentials, status as Status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import {
  AlreadyExistsError, ApiError, BadRequestError, ConflictError, ExpiredError, ForbiddenError, InternalError, InvalidError, NotFoundError,
  RequestTooLargeError, TimeoutError, TooManyRequestsError, UnauthenticatedError, UnavailableError, fromServiceError, toServiceError, wellFormed,
} from '../../../../lib/api/errors';
import * as errors from '../../../../lib/api/errors';

const METHOD = '/kite.test.v1.ErrorService/Fail';
const id = (b: Buffer) => b;

describe('API errors across the wire', () => {
  let server: Server;
  let client: Client;
  /** What the server fails the next call with. */
  let next: unknown;

  before(async () => {
    server = new Server();
    server.addService(
      { fail: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
      { fail: (_call: unknown, callback: (err: Partial<ServiceError>) => void) => callback(toServiceError(next)) },
    );
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client?.close();
    server?.forceShutdown();
  });

  /** Fails one call with `err` on the server and returns what the client decodes. */
  function roundTrip(err: unknown): Promise<ApiError> {
    next = err;
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(METHOD, id, id, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 5000 }, (e: ServiceError | null) =>
        e ? resolve(fromServiceError(e)) : reject(new Error('the call succeeded')),
      );
    });
  }

  const every: ApiError[] = [
    new NotFoundError('pods "p" not found'),
    new AlreadyExistsError('pods "p" already exists'),
    new ConflictError('the object has been modified'),
    new ExpiredError('too old resource version: 1 (5)'),
    InvalidError.of('Pod "p"', [{ field: 'metadata.name', message: 'Required value' }, { field: 'spec.containers', message: 'Required value' }]),
    new BadRequestError('field label not supported: "x"'),
    new UnauthenticatedError('Unauthorized'),
    new ForbiddenError('pods is forbidden: User "u" cannot list resource "pods"'),
    new TooManyRequestsError('too many requests in flight', 3),
    new RequestTooLargeError('Request entity too large: limit is 3145728'),
    new UnavailableError('cannot reach the kubelet'),
    TimeoutError.tooLargeResourceVersion(3047, 3044),
    new InternalError('Internal error occurred: boom'),
  ];

  for (const sent of every) {
    it(`${sent.constructor.name} (${Status[sent.code]}, ${sent.reason}) comes back as itself`, async () => {
      const got = await roundTrip(sent);
      assert.equal(got.constructor, sent.constructor);
      assert.equal(got.code, sent.code);
      assert.equal(got.reason, sent.reason);
      assert.equal(got.message, sent.message);
      if (sent instanceof InvalidError) assert.deepEqual((got as InvalidError).causes, sent.causes);
      if (sent instanceof TooManyRequestsError) assert.equal((got as TooManyRequestsError).retryAfterSeconds, 3);
      if (sent instanceof TimeoutError) assert.equal((got as TimeoutError).retryAfterSeconds, 1);
    });
  }

  it('covers every error class lib/api/errors exports', () => {
    const exported = Object.values(errors).filter((v) => typeof v === 'function' && v.prototype instanceof ApiError);
    assert.deepEqual(new Set(exported), new Set(every.map((e) => e.constructor)));
  });

  it('keeps a reason that travels with another code (the kubelet FAILED_PRECONDITION BadRequest)', async () => {
    const got = await roundTrip(new ApiError(Status.FAILED_PRECONDITION, 'container "c" is waiting to start', 'BadRequest'));
    assert.equal(got.code, Status.FAILED_PRECONDITION);
    assert.equal(got.reason, 'BadRequest');
    assert.equal(got.message, 'container "c" is waiting to start');
  });

  it('decodes by code when there is no reason (a server other than Kite)', () => {
    const md = new Metadata();
    const e = (code: Status) => fromServiceError(Object.assign(new Error('x'), { code, details: 'd', metadata: md }) as ServiceError);
    assert.ok(e(Status.INVALID_ARGUMENT) instanceof InvalidError);
    assert.ok(e(Status.RESOURCE_EXHAUSTED) instanceof TooManyRequestsError);
    assert.equal(e(Status.DEADLINE_EXCEEDED).reason, 'DEADLINE_EXCEEDED');
  });

  it('sends what is not an ApiError as INTERNAL (InternalError)', async () => {
    const weird = [new TypeError('x is undefined'), 'a string', undefined, null, 42, Object.create(null), Symbol('s')];
    for (const value of weird) {
      const got = await roundTrip(value);
      assert.ok(got instanceof InternalError, `${String(typeof value)}: ${got.constructor.name}`);
      assert.equal(got.code, Status.INTERNAL);
      assert.match(got.message, /^Internal error occurred: /);
    }
    assert.equal((await roundTrip(new TypeError('x is undefined'))).message, 'Internal error occurred: x is undefined');
  });

  it('carries any text intact: non-ASCII, control characters, lone surrogates (as U+FFFD)', async () => {
    const piece = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 8 }).map((cs) => cs.map((c) => (c >= 0xd800 && c <= 0xdfff ? String.fromCharCode(c) : String.fromCodePoint(c))).join('')),
      fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 6 }),
      fc.constantFrom('\x7f', '\uD800', '\uDFFF', 'café', '🚀', '%', '%zz', '\uFFFD', '\r\n'),
    );
    const text = fc.array(piece, { maxLength: 6 }).map((a) => a.join(''));
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 4 }), async (message, causes) => {
        const sent = new InvalidError(`Pod "${message}" is invalid`, causes.map(([field, m]) => ({ field, message: m })));
        const got = (await roundTrip(sent)) as InvalidError;
        assert.ok(got instanceof InvalidError);
        assert.equal(got.message, wellFormed(sent.message));
        assert.deepEqual(got.causes, sent.causes.map((c) => ({ field: wellFormed(c.field), message: wellFormed(c.message) })));
        const bad = (await roundTrip(new BadRequestError(`bad: ${message}`))) as BadRequestError;
        assert.ok(bad instanceof BadRequestError);
        assert.equal(bad.message, `bad: ${wellFormed(message)}`);
      }),
      { numRuns: 200 },
    );
  });
});
