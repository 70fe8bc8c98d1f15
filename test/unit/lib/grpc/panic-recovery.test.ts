// panic-recovery and the watch stream over a real grpc-js server on loopback: a handler that
// throws, a watch whose registry, timer or failure misbehaves (also after the first event, when
// grpc-js sends the status as trailers) ends that call with a status, and the server keeps
// answering. Without it such throws reach the event loop and end the process.
import { strict as assert } from 'node:assert';
import { Client, Metadata, Server, ServerCredentials, credentials, status as Status, type sendUnaryData, type ServerWritableStream, type ServiceError } from '@grpc/grpc-js';
import { BadRequestError, fromServiceError, type ApiError } from '../../../../lib/api/errors';
import { Pods } from '../../../../lib/api/kinds';
import type { Registry } from '../../../../services/apiserver/registry/registry';
import type { WatchSink } from '../../../../services/apiserver/watch/watch-cache';
import { answerUnary, startStream } from '../../../../lib/grpc/panic-recovery';
import { serveWatch } from '../../../../services/apiserver/grpc/watch-stream';

const id = (b: Buffer) => b;
const def = (path: string, responseStream: boolean) => ({ path, requestStream: false, responseStream, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id });

/** A registry with only what serveWatch uses: `watch` as given, and a cached revision that may throw. */
function fakeRegistry(watch: (sink: WatchSink) => () => void, revision: () => number = () => 1): Registry<any> {
  return { kind: Pods, watch: (_req: unknown, sink: WatchSink) => watch(sink), get cachedRevision() { return revision(); } } as unknown as Registry<any>;
}

describe('apiserver panic recovery (real grpc-js server)', () => {
  let server: Server;
  let client: Client;
  let unaryWork: () => Promise<Buffer>;
  let registry: Registry<any>;
  const closed: string[] = [];

  before(async () => {
    server = new Server();
    server.addService(
      { unary: def('/test.Svc/Unary', false), watch: def('/test.Svc/Watch', true) },
      {
        unary: (_call: unknown, callback: sendUnaryData<Buffer>) => answerUnary('test.Svc/Unary', callback, () => unaryWork()),
        watch: (call: ServerWritableStream<any, Buffer>) =>
          startStream('test.Svc/Watch', call, () => {
            call.request = { allowWatchBookmarks: true };
            serveWatch('test.Svc/Watch', registry, call, { maxPending: 10, bookmarkIntervalMs: 20 }, () => closed.push('closed'));
          }),
      },
    );
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  after(() => {
    client?.close();
    server?.forceShutdown();
  });
  beforeEach(() => {
    closed.length = 0;
  });

  function unary(): Promise<ApiError | Buffer> {
    return new Promise((resolve) => {
      client.makeUnaryRequest('/test.Svc/Unary', id, id, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 5000 }, (err: ServiceError | null, v?: Buffer) =>
        resolve(err ? fromServiceError(err) : v!),
      );
    });
  }

  /** Reads a watch to its end: the messages, and the error it ended with. */
  function watch(): Promise<{ messages: Buffer[]; error?: ApiError }> {
    return new Promise((resolve) => {
      const messages: Buffer[] = [];
      const s = client.makeServerStreamRequest('/test.Svc/Watch', id, id, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 5000 });
      s.on('data', (m: Buffer) => messages.push(m));
      s.on('error', (err: ServiceError) => resolve({ messages, error: fromServiceError(err) }));
      s.on('end', () => resolve({ messages }));
    });
  }

  async function stillAnswers(): Promise<void> {
    unaryWork = async () => Buffer.from('ok');
    assert.deepEqual(await unary(), Buffer.from('ok'));
  }

  it('answers a handler that throws synchronously (not an ApiError) with INTERNAL', async () => {
    unaryWork = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    };
    const err = (await unary()) as ApiError;
    assert.equal(err.code, Status.INTERNAL);
    assert.equal(err.reason, 'InternalError');
    assert.equal(err.message, "Internal error occurred: Cannot read properties of undefined (reading 'x')");
    await stillAnswers();
  });

  it('answers a rejection with a lone surrogate in its message, which grpc-js could not encode', async () => {
    unaryWork = () => Promise.reject(new BadRequestError('bad value "\uD800"'));
    const err = (await unary()) as ApiError;
    assert.equal(err.code, Status.INVALID_ARGUMENT);
    assert.equal(err.message, 'bad value "\uFFFD"');
    await stillAnswers();
  });

  it('ends a watch whose registry throws with INTERNAL, closing it once', async () => {
    registry = fakeRegistry(() => {
      throw new RangeError('broken filter');
    });
    const { messages, error } = await watch();
    assert.deepEqual(messages, []);
    assert.equal(error?.code, Status.INTERNAL);
    assert.equal(error?.message, 'Internal error occurred: broken filter');
    assert.deepEqual(closed, ['closed']);
    await stillAnswers();
  });

  it('ends a watch whose bookmark timer throws after the first event with INTERNAL', async () => {
    registry = fakeRegistry(
      (sink) => {
        sink.send(Buffer.from('event-1'));
        return () => {};
      },
      () => {
        throw new Error('cache gone');
      },
    );
    const { messages, error } = await watch();
    assert.deepEqual(messages.map(String), ['event-1']);
    assert.equal(error?.code, Status.INTERNAL);
    assert.equal(error?.message, 'Internal error occurred: cache gone');
    assert.deepEqual(closed, ['closed']);
    await stillAnswers();
  });

  it('ends a watch failed after its first event (status in trailers) with a message grpc-js could not encode', async () => {
    registry = fakeRegistry((sink) => {
      sink.send(Buffer.from('event-1'));
      setTimeout(() => sink.fail(new BadRequestError('label "\uDC00" gone')), 5);
      return () => {};
    });
    const { messages, error } = await watch();
    assert.deepEqual(messages.map(String), ['event-1']);
    assert.equal(error?.code, Status.INVALID_ARGUMENT);
    assert.equal(error?.message, 'label "\uFFFD" gone');
    await stillAnswers();
  });

  it('ends a watch whose unsubscribe throws, closing it once', async () => {
    registry = fakeRegistry((sink) => {
      setTimeout(() => sink.fail(new BadRequestError('reset')), 5);
      return () => {
        throw new Error('unsubscribe failed');
      };
    });
    const { error } = await watch();
    assert.equal(error?.code, Status.INVALID_ARGUMENT);
    assert.equal(error?.message, 'reset');
    assert.deepEqual(closed, ['closed']);
    await stillAnswers();
  });
});
