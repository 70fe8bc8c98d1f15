// The kubelet endpoint with an authorizer (FakeRuntime, TLS): each call is authorized as its
// caller's certificate says before anything runs; a refused call gets PERMISSION_DENIED in the
// kubelet's words (and never reaches the runtime), an authorizer that cannot answer gives
// UNAVAILABLE, and the endpoint will not start with authorization but no client CA.
import assert from 'node:assert/strict';
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { ContainerLogsRequest, ExecRequest, type KubeletServiceClient, type LogChunk } from '../../../../lib/gen/kite/kubelet/v1/kubelet';
import { createCA, issueClientCertificate, issueServerCertificate, type CertKeyPair } from '../../../../lib/pki/certificates';
import { RuntimeCache } from '../../../../services/kubelet/pod-workers/runtime-cache';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import type { KubeletRequestAttributes } from '../../../../services/kubelet/server/auth';
import { kubeletClient } from '../../../../lib/client/kubelet-client';
import { startKubeletServer, type KubeletServer } from '../../../../services/kubelet/server/kubelet-server';

const pod = Pod.fromPartial({
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'app', image: 'nginx:1.22' }] },
});

function collectLogs(client: KubeletServiceClient): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const call = client.containerLogs(ContainerLogsRequest.fromPartial({ namespace: 'default', podName: 'web', container: 'app' }));
    call.on('data', (c: LogChunk) => (out += c.content.toString()));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

function runExec(client: KubeletServiceClient): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const call = client.exec();
    call.on('data', (r: { stdout: Buffer }) => (out += r.stdout.toString()));
    call.on('error', reject);
    call.on('end', () => resolve(out));
    call.write(ExecRequest.fromPartial({ start: { namespace: 'default', podName: 'web', container: 'app', command: ['id'] } }));
    call.end();
  });
}

function healthCheck(client: KubeletServiceClient): Promise<void> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b: Buffer) => b, {}, new Metadata(), {}, (err) => (err ? reject(err) : resolve())),
  );
}

const refused = (code: Status, details?: string) => (e: ServiceError) => {
  assert.equal(e.code, code, e.details);
  if (details) assert.equal(e.details, details);
  return true;
};

describe('kubelet endpoint authorization (FakeRuntime, TLS)', function () {
  this.timeout(20_000);
  let ca: CertKeyPair;
  let serving: CertKeyPair;
  let runtime: FakeRuntime;
  let server: KubeletServer;
  const asked: KubeletRequestAttributes[] = [];
  let allowed: (a: KubeletRequestAttributes) => boolean | Promise<boolean>;
  const pairs: Record<string, CertKeyPair> = {};

  before(async () => {
    ca = await createCA('kubelet-authz-test-ca');
    serving = await issueServerCertificate(ca, 'kubelet', ['127.0.0.1', 'localhost']);
    pairs.apiserver = await issueClientCertificate(ca, 'kube-apiserver-kubelet-client');
    pairs.otherNode = await issueClientCertificate(ca, 'system:node:n2', ['system:nodes']);
    runtime = new FakeRuntime(['nginx:1.22']);
    await runtime.ensurePodNetwork('pods', '10.1.0.0/24');
    const sandbox = await runtime.runPodSandbox(pod, { network: 'pods' });
    const appId = await runtime.createContainer(sandbox.id, pod, pod.spec!.containers[0]);
    await runtime.startContainer(appId);
    runtime.logLines.set(appId, [{ stream: 'stdout', line: 'hello' }]);
    runtime.execHandler = () => ({ exitCode: 0, stdout: 'uid=0\n' });
    const cache = new RuntimeCache(runtime);
    server = await startKubeletServer({
      bindAddress: '127.0.0.1',
      port: 0,
      runtime,
      tls: { cert: Buffer.from(serving.cert), key: Buffer.from(serving.key), clientCA: Buffer.from(ca.cert) },
      targets: { pod: (ns, name) => (ns === 'default' && name === 'web' ? pod : undefined), runtime: () => cache.fresh() },
      summary: () => ({ pods: [] }),
      authorization: {
        nodeName: 'n1',
        authorizer: {
          authorize: async (a) => {
            asked.push(a);
            return allowed(a);
          },
        },
      },
    });
  });

  beforeEach(() => {
    asked.length = 0;
    allowed = (a) => a.user.name === 'kube-apiserver-kubelet-client';
  });

  after(async () => {
    await server?.stop();
  });

  const client = (who: string) => kubeletClient(server.address, credentials.createSsl(Buffer.from(ca.cert), Buffer.from(pairs[who].key), Buffer.from(pairs[who].cert)), 'localhost');

  it('lets an allowed caller exec and read logs, asking about create and get on nodes/proxy of this node', async () => {
    const c = client('apiserver');
    try {
      assert.equal(await collectLogs(c), 'hello\n');
      assert.equal(await runExec(c), 'uid=0\n');
      assert.deepEqual(
        asked.map((a) => [a.user.name, a.user.groups, a.verb, a.resource, a.subresource, a.name]),
        [
          ['kube-apiserver-kubelet-client', ['system:authenticated'], 'get', 'nodes', 'proxy', 'n1'],
          ['kube-apiserver-kubelet-client', ['system:authenticated'], 'create', 'nodes', 'proxy', 'n1'],
        ],
      );
    } finally {
      c.close();
    }
  });

  it('refuses another node with PERMISSION_DENIED before anything runs', async () => {
    const execs = runtime.callsOf('exec').length;
    const logs = runtime.callsOf('logs').length;
    const c = client('otherNode');
    try {
      await assert.rejects(runExec(c), refused(Status.PERMISSION_DENIED, 'Forbidden (user=system:node:n2, verb=create, resource=nodes, subresource=proxy)'));
      await assert.rejects(collectLogs(c), refused(Status.PERMISSION_DENIED, 'Forbidden (user=system:node:n2, verb=get, resource=nodes, subresource=proxy)'));
      await assert.rejects(healthCheck(c), refused(Status.PERMISSION_DENIED));
      assert.equal(runtime.callsOf('exec').length, execs);
      assert.equal(runtime.callsOf('logs').length, logs);
      assert.deepEqual(asked[0].user.groups, ['system:nodes', 'system:authenticated']);
    } finally {
      c.close();
    }
  });

  it('answers UNAVAILABLE when the authorizer cannot decide', async () => {
    allowed = () => Promise.reject(new Error('apiserver unreachable'));
    const c = client('apiserver');
    try {
      await assert.rejects(
        collectLogs(c),
        refused(Status.UNAVAILABLE, 'Authorization error (user=kube-apiserver-kubelet-client, verb=get, resource=nodes, subresource=proxy): apiserver unreachable'),
      );
    } finally {
      c.close();
    }
  });

  it('will not authorize without client certificates to know callers by', async () => {
    await assert.rejects(
      startKubeletServer({
        bindAddress: '127.0.0.1',
        port: 0,
        runtime,
        tls: { cert: Buffer.from(serving.cert), key: Buffer.from(serving.key) },
        targets: { pod: () => undefined, runtime: () => new RuntimeCache(runtime).fresh() },
        summary: () => ({ pods: [] }),
        authorization: { nodeName: 'n1', authorizer: { authorize: async () => true } },
      }),
      /needs TLS with a client CA/,
    );
  });
});
