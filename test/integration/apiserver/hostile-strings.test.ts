// Errors that quote what the caller sent (non-ASCII, control characters, invalid UTF-8, a lone
// surrogate from a JSON escape) against the apiserver as its own process: the client gets the
// right status, reason and field causes with the text intact, and the process keeps serving.
// Kubernetes returns such values quoted in a Status' causes; one request must never stop it.
import { strict as assert } from 'node:assert';
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { BadRequestError, InvalidError, NotFoundError, fromServiceError, type ApiError } from '../../../lib/api/errors';
import { Pods } from '../../../lib/api/kinds';
import { Event, Pod } from '../../../lib/gen/kite/core/v1/types';
import { ObjectMeta } from '../../../lib/gen/kite/meta/v1/meta';
import { startApiserverProcess, type ApiserverProcess } from '../../support/apiserver-process';
import { pod } from '../../support/builders';
import { errorOf, uniqueName } from './harness';

/** Sends raw request bytes to a unary method and decodes the error as the typed client does. */
function rawUnary(p: ApiserverProcess, path: string, bytes: Buffer): Promise<ApiError | undefined> {
  const id = (b: Buffer) => b;
  return new Promise((resolve) => {
    p.client.grpc.makeUnaryRequest(path, id, id, bytes, new Metadata(), { deadline: Date.now() + 5000 }, (err: ServiceError | null) =>
      resolve(err ? fromServiceError(err) : undefined),
    );
  });
}

/** A CreatePodRequest whose metadata.name is exactly `nameBytes` (any bytes, valid UTF-8 or not). */
function createPodWithNameBytes(nameBytes: Buffer): Buffer {
  const tag = (n: number) => Buffer.from([(n << 3) | 2]);
  const len = (b: Buffer) => Buffer.from([b.length]);
  const meta = Buffer.concat([tag(1), len(nameBytes), nameBytes, Buffer.from(ObjectMeta.encode(ObjectMeta.fromPartial({ namespace: 'default' })).finish())]);
  const podBytes = Buffer.concat([tag(1), len(meta), meta]);
  return Buffer.concat([Buffer.from(Pods.service.createPod.requestSerialize({ namespace: 'default', dryRun: [] })), tag(2), len(podBytes), podBytes]);
}

describe('apiserver: errors quoting hostile strings (separate process)', function () {
  this.timeout(60_000);
  let p: ApiserverProcess;
  before(async () => {
    p = await startApiserverProcess();
  });
  after(() => p?.stop());
  afterEach(async function () {
    assert.ok(await p.answers(), `the apiserver stopped answering after "${this.currentTest?.title}":\n${p.stderr()}`);
  });

  /** The InvalidError of `fn`, with exactly one cause on `field` whose message contains `quoted`. */
  async function invalid(fn: () => Promise<unknown>, field: string, quoted: string): Promise<InvalidError> {
    const err = await errorOf(fn);
    assert.ok(err instanceof InvalidError, `${err.constructor.name} (${err.reason}): ${err.message}`);
    assert.equal(err.code, Status.INVALID_ARGUMENT);
    assert.equal(err.reason, 'Invalid');
    const cause = err.causes.find((c) => c.field === field);
    assert.ok(cause, `no cause on ${field}: ${JSON.stringify(err.causes)}`);
    assert.ok(cause.message.includes(quoted), `cause ${JSON.stringify(cause)} does not quote ${JSON.stringify(quoted)}`);
    assert.ok(err.message.includes(quoted), `message ${JSON.stringify(err.message)} does not quote ${JSON.stringify(quoted)}`);
    return err;
  }

  it('a Pod named café: INVALID_ARGUMENT with the name intact in the cause', async () => {
    await invalid(() => p.client.pods.create(pod('café')), 'metadata.name', '"café"');
  });

  it('an Event named with an emoji and a newline', async () => {
    const name = 'ev-🚀\nx';
    const ev = Event.fromPartial({ metadata: { name, namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'm', type: 'Normal' });
    await invalid(() => p.client.events.create(ev), 'metadata.name', name);
  });

  it('a label value with DEL (0x7f) and NUL', async () => {
    const value = 'a\x7fb\x00c';
    await invalid(() => p.client.pods.create(pod(uniqueName('label'), { labels: { app: value } })), 'metadata.labels', value);
  });

  it('a name of invalid UTF-8 bytes arrives as U+FFFD and is quoted intact', async () => {
    const err = await rawUnary(p, '/kite.core.v1.PodService/CreatePod', createPodWithNameBytes(Buffer.from([0x61, 0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x62])));
    assert.ok(err instanceof InvalidError, `${err?.constructor.name}: ${err?.message}`);
    const cause = err.causes.find((c) => c.field === 'metadata.name');
    assert.ok(cause && /a\uFFFD+b/.test(cause.message), JSON.stringify(err.causes));
  });

  it('a lone surrogate from a JSON escape in a merge patch', async () => {
    const name = uniqueName('surrogate');
    await p.client.pods.create(pod(name));
    const err = await errorOf(() => p.client.pods.patch(name, '{"metadata":{"labels":{"app":"x\\ud800y"}}}'));
    assert.ok(err instanceof InvalidError, `${err.constructor.name}: ${err.message}`);
    assert.deepEqual(err.causes.map((c) => c.field), ['metadata.labels']);
    assert.match(err.causes[0].message, /x\uFFFDy/);
    assert.match(err.message, /x\uFFFDy/);
  });

  it('a BadRequest keeps its reason and its non-ASCII text (a watch with an unknown field label)', async () => {
    const watch = p.client.pods.watch({ namespace: 'default', fieldSelector: 'spec.ñame\x01=x' });
    const err = await errorOf(async () => {
      for await (const _ of watch) assert.fail('the watch started');
    });
    assert.ok(err instanceof BadRequestError, `${err.constructor.name} (${err.reason}): ${err.message}`);
    assert.equal(err.code, Status.INVALID_ARGUMENT);
    assert.match(err.message, /invalid field selector "spec\.ñame\x01=x"/);
  });

  it('pod logs of a Pod named with non-ASCII: NOT_FOUND with the name intact', async () => {
    const logs = p.client.pods.serverStream('logs', { namespace: 'default', podName: 'café-ü', container: '', follow: false, previous: false, tailLines: 0, podUid: '' });
    const err = await errorOf(async () => {
      for await (const _ of logs) assert.fail('logs started');
    });
    assert.ok(err instanceof NotFoundError, `${err.constructor.name}: ${err.message}`);
    assert.match(err.message, /"café-ü" not found/);
  });

  it('keeps serving: a valid Pod is created afterwards', async () => {
    const name = uniqueName('after');
    const created = await p.client.pods.create(Pod.fromPartial(pod(name)));
    assert.equal(created.metadata!.name, name);
  });
});
