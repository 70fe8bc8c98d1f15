// The typed client's unary calls against a grpc-js PodService on loopback: what each call sends
// (the bearer token read at that call, as it rotates; nothing without one) and how it fails (the
// typed error; UNAVAILABLE retried up to the policy's attempts, other codes not; the deadline),
// the behaviour lib/client keeps while its per-call work is cut (bench:client).
import { strict as assert } from 'node:assert';
import { Server, ServerCredentials, status as Status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { ApiError, NotFoundError } from '../../../../lib/api/errors';
import { Clientset } from '../../../../lib/client/clientset';
import type { ConnectionConfig } from '../../../../lib/client/kubeconfig';
import { NO_RETRY, type RetryPolicy } from '../../../../lib/client/retry';
import { PodServiceService, type CreatePodRequest, type GetPodRequest, type PatchPodRequest, type UpdatePodStatusRequest } from '../../../../lib/gen/kite/core/v1/services';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';

type Answer = (call: ServerUnaryCall<GetPodRequest, Pod>, cb: sendUnaryData<Pod>) => void;

const FAST_RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5 };

describe('typed client unary calls', () => {
  const server = new Server();
  let address: string;
  let answer: Answer;
  const seen: { authorization: string[]; name: string }[] = [];
  const clients: Clientset[] = [];

  const client = (cfg: Partial<ConnectionConfig> = {}, opts: { retry?: RetryPolicy; timeoutMs?: number } = {}): Clientset => {
    const cs = new Clientset({ address, tls: false, namespace: 'default', source: 'test', ...cfg }, { retry: NO_RETRY, ...opts });
    clients.push(cs);
    return cs;
  };

  before(async () => {
    server.addService(PodServiceService, {
      getPod: (call: ServerUnaryCall<GetPodRequest, Pod>, cb: sendUnaryData<Pod>) => {
        seen.push({ authorization: call.metadata.get('authorization').map(String), name: call.request.name });
        answer(call, cb);
      },
      createPod: (call: ServerUnaryCall<CreatePodRequest, Pod>, cb: sendUnaryData<Pod>) => {
        seen.push({ authorization: [], name: `create ${call.request.pod?.metadata?.name}` });
        cb(null, Pod.fromPartial({ metadata: { name: call.request.pod?.metadata?.name, uid: 'u1' } }));
      },
      updatePodStatus: (call: ServerUnaryCall<UpdatePodStatusRequest, Pod>, cb: sendUnaryData<Pod>) => {
        seen.push({ authorization: [], name: `status ${call.request.pod?.metadata?.name} ${call.request.pod?.status?.phase}` });
        cb(null, Pod.fromPartial({ metadata: { name: call.request.pod?.metadata?.name, uid: 'u1' } }));
      },
      patchPod: (call: ServerUnaryCall<PatchPodRequest, Pod>, cb: sendUnaryData<Pod>) => {
        seen.push({ authorization: [], name: `patch ${call.request.name} ${call.request.patch}` });
        cb(null, Pod.fromPartial({ metadata: { name: call.request.name, uid: 'u1' } }));
      },
    } as never);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    address = `127.0.0.1:${port}`;
  });
  beforeEach(() => {
    seen.length = 0;
    answer = (call, cb) => cb(null, Pod.fromPartial({ metadata: { name: call.request.name, namespace: call.request.namespace } }));
  });
  after(() => {
    clients.forEach((c) => c.close());
    server.forceShutdown();
  });

  it('sends the bearer token read at each call, a rotated one from the next call on', async () => {
    let token = 'first-token';
    const cs = client({ tokenSource: { token: () => token } });
    await cs.pods.get('a');
    await cs.pods.get('b');
    token = 'rotated-token';
    await cs.pods.get('c');
    await Promise.all([cs.pods.get('d'), cs.pods.get('e')]);
    assert.deepEqual(
      seen.map((s) => [s.name, s.authorization]),
      [
        ['a', ['Bearer first-token']],
        ['b', ['Bearer first-token']],
        ['c', ['Bearer rotated-token']],
        ['d', ['Bearer rotated-token']],
        ['e', ['Bearer rotated-token']],
      ],
    );
  });

  it('sends no authorization without a token, and a fixed token on every call', async () => {
    await client().pods.get('none');
    const fixed = client({ token: 'fixed-token' });
    await fixed.pods.get('f1');
    await fixed.pods.get('f2');
    assert.deepEqual(
      seen.map((s) => s.authorization),
      [[], ['Bearer fixed-token'], ['Bearer fixed-token']],
    );
  });

  it('answers with the decoded reply', async () => {
    const pod = await client().pods.get('web', 'prod');
    assert.equal(pod.metadata?.name, 'web');
    assert.equal(pod.metadata?.namespace, 'prod');
  });

  it('retries UNAVAILABLE until a call succeeds, within the attempts of the policy', async () => {
    let failures = 2;
    answer = (call, cb) => (failures-- > 0 ? cb({ code: Status.UNAVAILABLE, details: 'restarting' }) : cb(null, Pod.fromPartial({ metadata: { name: call.request.name } })));
    const pod = await client({}, { retry: FAST_RETRY }).pods.get('retried');
    assert.equal(pod.metadata?.name, 'retried');
    assert.equal(seen.length, 3);
  });

  it('gives up after the last attempt with the typed error', async () => {
    answer = (_call, cb) => cb({ code: Status.UNAVAILABLE, details: 'still restarting' });
    await assert.rejects(client({}, { retry: FAST_RETRY }).pods.get('down'), (err: ApiError) => err instanceof ApiError && err.code === Status.UNAVAILABLE && err.message === 'still restarting');
    assert.equal(seen.length, 3);
  });

  it('does not retry other failures, which arrive as the typed error', async () => {
    answer = (_call, cb) => cb({ code: Status.NOT_FOUND, details: 'pods "gone" not found' });
    await assert.rejects(client({}, { retry: FAST_RETRY }).pods.get('gone'), (err: Error) => err instanceof NotFoundError && err.message === 'pods "gone" not found');
    assert.equal(seen.length, 1);
  });

  it('fails with DEADLINE_EXCEEDED when no reply comes within the timeout, and leaves Error.stackTraceLimit as it was', async () => {
    answer = () => undefined;
    const limit = Error.stackTraceLimit;
    await assert.rejects(client({}, { timeoutMs: 200 }).pods.get('silent'), (err: ApiError) => err instanceof ApiError && err.code === Status.DEADLINE_EXCEEDED);
    assert.equal(Error.stackTraceLimit, limit);
  });

  it('stops retrying once the signal aborts', async () => {
    const abort = new AbortController();
    answer = (_call, cb) => {
      abort.abort();
      cb({ code: Status.UNAVAILABLE, details: 'restarting' });
    };
    const cs = client({}, { retry: FAST_RETRY });
    await assert.rejects(cs.pods.call('get', { namespace: 'default', name: 'aborted', resourceVersion: '' }, abort.signal), (err: Error) => err instanceof ApiError && err.code === Status.CANCELLED);
    assert.equal(seen.length, 1);
  });

  it('writes without decoding the reply for a caller that reads none (createWithoutReply, patchWithoutReply, updateStatusWithoutReply), and with it otherwise', async () => {
    const cs = client();
    assert.equal(await cs.pods.createWithoutReply(Pod.fromPartial({ metadata: { name: 'quiet' } })), undefined);
    assert.equal(await cs.pods.patchWithoutReply('quiet', { metadata: { labels: { a: 'b' } } }), undefined);
    assert.equal((await cs.pods.create(Pod.fromPartial({ metadata: { name: 'loud' } }))).metadata?.uid, 'u1');
    assert.equal((await cs.pods.patch('loud', { metadata: { labels: { a: 'b' } } })).metadata?.uid, 'u1');
    const running = Pod.fromPartial({ metadata: { name: 'quiet' }, status: { phase: 'Running' } });
    assert.equal(await cs.pods.updateStatusWithoutReply(running), undefined);
    assert.equal((await cs.pods.updateStatus(running)).metadata?.uid, 'u1');
    assert.deepEqual(
      seen.map((s) => s.name),
      ['create quiet', 'patch quiet {"metadata":{"labels":{"a":"b"}}}', 'create loud', 'patch loud {"metadata":{"labels":{"a":"b"}}}', 'status quiet Running', 'status quiet Running'],
    );
  });
});
