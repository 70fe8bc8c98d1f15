// A write whose etcd member stops answering (SIGSTOP, as a member whose proposal went to a dead
// leader): the apiserver bounds the etcd call by the client's own deadline, as kube-apiserver's
// request context does, and answers Kubernetes' Timeout (504; gRPC UNAVAILABLE) before the client
// gives up, instead of the client's call ending DEADLINE_EXCEEDED on a hung server.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { TimeoutError } from '../../../lib/api/errors';
import { ConfigMap } from '../../../lib/gen/kite/core/v1/types';
import { EtcdStorage } from '../../../services/apiserver/storage/etcd';
import { StorageTimeoutError } from '../../../services/apiserver/storage/interface';
import { withRequestDeadline } from '../../../services/apiserver/storage/request-deadline';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../support/etcd';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';

describe('etcd storage: calls bounded by the request deadline', function () {
  this.timeout(60_000);
  let etcd: TestEtcd | undefined;
  let api: TestApiserver | undefined;
  let store: EtcdStorage | undefined;
  let client: Clientset | undefined;
  let stopped = false;

  beforeEach(async function () {
    if (etcdSkipped()) this.skip();
    etcd = await startEtcd();
  });
  afterEach(async () => {
    if (stopped) process.kill(etcd!.pid, 'SIGCONT');
    stopped = false;
    client?.close();
    await api?.stop();
    await store?.close();
    await etcd?.stop();
    etcd = api = store = client = undefined;
  });

  const freeze = async () => {
    process.kill(etcd!.pid, 'SIGSTOP');
    stopped = true;
    await waitFor('etcd stopped', () => readFileSync(`/proc/${etcd!.pid}/stat`, 'utf8').split(') ')[1].startsWith('T') || undefined);
  };

  it('a storage write with a deadline fails StorageTimeoutError before it once etcd stops answering, and the next write after etcd is back succeeds', async () => {
    store = new EtcdStorage({ endpoints: [etcd!.endpoint] });
    const key = `/${uniqueName('deadline')}/a`;
    await store.create(key, Buffer.from('1'));
    await freeze();
    const clientDeadline = Date.now() + 2000;
    const err = await withRequestDeadline(clientDeadline, () => store!.create(`${key}b`, Buffer.from('2'))).catch((e: unknown) => e);
    assert.ok(err instanceof StorageTimeoutError, `got ${inspect(err)}`);
    assert.ok(err.deadlineMs < clientDeadline, 'the store gives up before the client does');
    // The timeout is the request's, not the member's fault: once etcd answers, so does the store.
    process.kill(etcd!.pid, 'SIGCONT');
    stopped = false;
    assert.equal((await store.create(`${key}c`, Buffer.from('3'))).key, `${key}c`);
  });

  it('a ConfigMap create answers Timeout (UNAVAILABLE, may still be applied) instead of the client seeing DEADLINE_EXCEEDED', async () => {
    api = await startTestApiserver({ store: 'etcd', etcdEndpoints: [etcd!.endpoint] });
    client = new Clientset({ address: api.address, tls: false, namespace: 'default', source: 'test' }, { retry: NO_RETRY, timeoutMs: 3000 });
    await client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: uniqueName('before') }, data: { a: '1' } }));
    await freeze();
    const err = await client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: uniqueName('frozen') }, data: { a: '1' } })).catch((e: unknown) => e);
    assert.ok(err instanceof TimeoutError, `got ${inspect(err)}`);
    assert.equal(err.reason, 'Timeout');
    assert.match(err.message, /may still be processing the request/);
  });
});
