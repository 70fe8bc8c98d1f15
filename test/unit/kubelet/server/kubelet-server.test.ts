// The kubelet endpoint over a FakeRuntime: TLS with client certificates from the apiserver's CA,
// logs, exec and attach served from the runtime, and the errors callers act on.
import assert from 'node:assert/strict';
import { credentials, status as Status, type ServiceError } from '@grpc/grpc-js';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { ContainerLogsRequest, ExecRequest, type ExecResponse, type ExecStart, type KubeletServiceClient, type LogChunk } from '../../../../lib/gen/kite/kubelet/v1/kubelet';
import { createCA, issueClientCertificate, issueServerCertificate, type CertKeyPair } from '../../../../lib/pki/certificates';
import { RuntimeCache } from '../../../../services/kubelet/pod-workers/runtime-cache';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import { kubeletAddress, kubeletClient } from '../../../../lib/client/kubelet-client';
import { startKubeletServer, type KubeletServer } from '../../../../services/kubelet/server/kubelet-server';

const pod = Pod.fromPartial({
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'nginx:1.22' }, { name: 'side', image: 'nginx:1.22' }] },
});

function collectLogs(client: KubeletServiceClient, req: Partial<ContainerLogsRequest>): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const call = client.containerLogs(ContainerLogsRequest.fromPartial({ namespace: 'default', podName: 'web', ...req }));
    call.on('data', (c: LogChunk) => (out += c.content.toString()));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

function runExec(client: KubeletServiceClient, command: string[], container = 'app', start: Partial<ExecStart> = {}): Promise<ExecResponse[]> {
  return new Promise((resolve, reject) => {
    const out: ExecResponse[] = [];
    const call = command.length ? client.exec() : client.attach();
    call.on('data', (r: ExecResponse) => out.push(r));
    call.on('error', reject);
    call.on('end', () => resolve(out));
    call.write(ExecRequest.fromPartial({ start: { namespace: 'default', podName: 'web', container, command, ...start } }));
    call.end();
  });
}

/** More than a gRPC message may carry (16 MiB), arriving from the runtime all at once. */
const BIG = Buffer.alloc(20 * 1024 * 1024, 'k');

describe('kubelet endpoint (FakeRuntime, TLS)', function () {
  this.timeout(20_000);
  let ca: CertKeyPair;
  let apiserverCert: CertKeyPair;
  let runtime: FakeRuntime;
  let server: KubeletServer;
  let appId: string;

  before(async () => {
    ca = await createCA('kubelet-test-ca');
    const serving = await issueServerCertificate(ca, 'kubelet', ['127.0.0.1', 'localhost']);
    apiserverCert = await issueClientCertificate(ca, 'kube-apiserver-kubelet-client');
    runtime = new FakeRuntime(['nginx:1.22']);
    await runtime.ensurePodNetwork('pods', '10.1.0.0/24');
    const sandbox = await runtime.runPodSandbox(pod, { network: 'pods' });
    appId = await runtime.createContainer(sandbox.id, pod, pod.spec!.containers[0]);
    await runtime.startContainer(appId);
    runtime.logLines.set(appId, [
      { stream: 'stdout', line: 'first' },
      { stream: 'stderr', line: 'second' },
      { stream: 'stdout', line: 'third' },
    ]);
    runtime.execHandler = (_c, command) =>
      command[0] === 'big' ? { exitCode: 0, stdout: BIG.toString('latin1') } : { exitCode: command[0] === 'fail' ? 7 : 0, stdout: `ran ${command.join(' ')}\n`, stderr: 'note\n' };
    const cache = new RuntimeCache(runtime);
    server = await startKubeletServer({
      bindAddress: '127.0.0.1',
      port: 0,
      runtime,
      tls: { cert: Buffer.from(serving.cert), key: Buffer.from(serving.key), clientCA: Buffer.from(ca.cert) },
      targets: { pod: (ns, name) => (ns === 'default' && name === 'web' ? pod : undefined), runtime: () => cache.fresh() },
      summary: () => ({ pods: [] }),
    });
  });

  after(async () => {
    await server?.stop();
  });

  const client = () => kubeletClient(server.address, credentials.createSsl(Buffer.from(ca.cert), Buffer.from(apiserverCert.key), Buffer.from(apiserverCert.cert)), 'localhost');

  it('serves logs and exec to a caller with a client certificate from its CA', async () => {
    const c = client();
    try {
      assert.equal(await collectLogs(c, { container: 'app' }), 'first\nsecond\nthird\n');
      assert.equal(await collectLogs(c, { container: 'app', tailLines: 1 }), 'third\n');
      const out = await runExec(c, ['fail', 'now']);
      assert.equal(out.map((r) => r.stdout.toString()).join(''), 'ran fail now\n');
      assert.equal(out.map((r) => r.stderr.toString()).join(''), 'note\n');
      assert.equal(out.at(-1)!.exitCode, 7);
      assert.deepEqual(runtime.callsOf('exec').at(-1)!.slice(0, 2), [appId, ['fail', 'now']]);
    } finally {
      c.close();
    }
  });

  it("attaches with the container's own terminal and stdin only when the container has stdin open, as the kubelet's GetAttach does", async () => {
    const c = client();
    try {
      // No command: runExec attaches. The spec has neither stdin nor tty, whatever the caller asks.
      const out = await runExec(c, [], 'app', { stdin: true, tty: true });
      assert.deepEqual(out, []);
      const [id, options] = runtime.callsOf('attach').at(-1)! as [string, { stdin?: unknown; tty?: boolean }];
      assert.equal(id, appId);
      assert.equal(options.stdin, undefined);
      assert.equal(options.tty, false);
      await assert.rejects(runExec(c, [], 'side'), (e: ServiceError) => e.code === Status.FAILED_PRECONDITION && /not running/.test(e.details));
    } finally {
      c.close();
    }
  });

  it('sends output the runtime produced faster than it could be sent in messages of a bounded size', async () => {
    const c = client();
    try {
      const out = await runExec(c, ['big']);
      assert.equal(Buffer.concat(out.map((r) => r.stdout)).length, BIG.length);
      assert.ok(out.every((r) => r.stdout.length <= 1024 * 1024));
    } finally {
      c.close();
    }
  });

  it('refuses callers without a client certificate', async () => {
    const anonymous = kubeletClient(server.address, credentials.createSsl(Buffer.from(ca.cert)), 'localhost');
    try {
      await assert.rejects(collectLogs(anonymous, { container: 'app' }), (e: ServiceError) => e.code === Status.UNAVAILABLE);
    } finally {
      anonymous.close();
    }
  });

  it('names the choices when a multi-container pod gets no container, and refuses exec into a container that is not running', async () => {
    const c = client();
    try {
      await assert.rejects(collectLogs(c, {}), (e: ServiceError) => e.code === Status.INVALID_ARGUMENT && /choose one of: \[app side\]/.test(e.details));
      await assert.rejects(runExec(c, ['true'], 'side'), (e: ServiceError) => e.code === Status.FAILED_PRECONDITION && /not running/.test(e.details));
      await assert.rejects(collectLogs(c, { container: 'side' }), (e: ServiceError) => e.code === Status.FAILED_PRECONDITION && /waiting to start/.test(e.details));
    } finally {
      c.close();
    }
  });

  it('finds the endpoint from the Node: InternalIP and the kubelet port', () => {
    const node = { status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.5' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } };
    assert.equal(kubeletAddress(node as never), '10.0.0.5:10250');
    assert.equal(kubeletAddress({ status: { addresses: [], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } } as never), undefined);
  });
});
