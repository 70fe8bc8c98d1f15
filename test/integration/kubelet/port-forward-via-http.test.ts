// pods/portforward end to end with the real kubectl: kubectl port-forward (a WebSocket tunnelling
// SPDY/3.1, or SPDY after an upgrade) -> the front door -> the gate's PortForwardPod stream per
// connection -> the pod's kubelet -> a TCP connection to the pod. Pages through the forwarded
// port, two connections at once, a large reply, kubectl's error for a closed port, the 403 of a
// user without create pods/portforward.
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pods } from '../../../lib/api/kinds';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { Role, RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { IMPERSONATE_USER } from '../../../services/apiserver/auth/authn/impersonation';
import { GateClient } from '../../../services/apiserver/http/gate-client';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const KITECTL = join(__dirname, '..', '..', '..', 'bin', 'kitectl');

interface Forward {
  child: ChildProcess;
  /** The local port kubectl listens on. */
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number>;
}

/** GET http://127.0.0.1:port/path; the status and body. */
function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Sends `data` to 127.0.0.1:port, half-closes, and resolves with everything that came back. */
function echo(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(data));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

/** Waits until `check` holds for what the process printed, or it exits. */
function waitForOutput(f: { stdout: () => string; stderr: () => string; child: ChildProcess }, check: (out: string, err: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const test = () => {
      if (check(f.stdout(), f.stderr())) {
        f.child.stdout!.off('data', test);
        f.child.stderr!.off('data', test);
        f.child.off('exit', exited);
        resolve();
      }
    };
    const exited = () => (check(f.stdout(), f.stderr()) ? resolve() : reject(new Error(`exited before the expected output:\n${f.stdout()}\n${f.stderr()}`)));
    f.child.stdout!.on('data', test);
    f.child.stderr!.on('data', test);
    f.child.once('exit', exited);
    test();
  });
}

describe('pods/portforward over the HTTP API (kubectl port-forward -> SPDY -> apiserver -> kubelet -> pod)', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;
  const dir = mkdtempSync(join(tmpdir(), 'kite-kubectl-pf-'));
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  /** Starts `kubectl port-forward <args>` (or kitectl's) and resolves once it listens (or it exited). */
  async function portForward(args: string[], extraEnv: NodeJS.ProcessEnv = {}, tool: 'kubectl' | 'kitectl' = 'kubectl'): Promise<Forward> {
    const [cmd, global] = tool === 'kubectl' ? ['kubectl', []] : [KITECTL, ['--server', fx.api.address]];
    const child = spawn(cmd, [...global, 'port-forward', '--address', '127.0.0.1', ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    const f = { child, port: 0, stdout: () => out, stderr: () => err, exited };
    await waitForOutput(f, (o, e) => /Forwarding from 127\.0\.0\.1:\d+/.test(o) || e.length > 0);
    const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
    f.port = m ? Number(m[1]) : 0;
    return f;
  }

  function stop(f: Forward): Promise<number> {
    if (f.child.exitCode === null) f.child.kill('SIGTERM');
    return f.exited;
  }

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('kpf', {}, { securePort: 0, authorizationMode: 'RBAC' });
    await fx.startKubelet();
    // A page served on 8080, and a 1 MiB file (more than SPDY's 64 KiB window, which nobody opens);
    // the same on 8081 of the pod's loopback only; an echo service on 9001.
    const serve = 'mkdir -p /www && echo hello-from-pod > /www/index.html && head -c 1048576 /dev/zero | tr "\\0" x > /www/big && httpd -p 127.0.0.1:8081 -h /www && (nc -ll -p 9001 -e cat &) && exec httpd -f -p 8080 -h /www';
    const container = { name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', serve], ports: [{ containerPort: 8080, name: 'http' }] };
    await fx.client.pods.create(Pod.fromPartial({ metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: fx.node, terminationGracePeriodSeconds: 0, containers: [container] } }));
    // A Service and a Deployment selecting it (no controllers run: the pod is the only one), for kubectl's client-side resolution.
    await fx.client.services.create(Service.fromPartial({ metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] } }));
    await fx.client.deployments.create(
      Deployment.fromPartial({
        metadata: { name: 'web', namespace: 'default' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: TEST_IMAGES.busybox }] } } },
      }),
    );
    await fx.waitForPod('web', 'Running', (p) => p.status!.phase === 'Running');
    // alice may read pods (kubectl port-forward reads the pod first) but not forward to them.
    await fx.client.roles.create(Role.fromPartial({ metadata: { name: 'pod-reader', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }));
    await fx.client.roleBindings.create(
      RoleBinding.fromPartial({
        metadata: { name: 'alice-reads-pods', namespace: 'default' },
        subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
        roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
      }),
    );
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'dev', cluster: { server: `http://127.0.0.1:${fx.api.server.securePort!}` } }],
        users: [{ name: 'dev', user: {} }],
        contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev', namespace: 'default' } }],
        'current-context': 'dev',
      }),
    );
    env = { ...process.env, KUBECONFIG: kubeconfig, KITECONFIG: join(dir, 'kiteconfig'), HOME: dir };
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => (c.exitCode === null && c.signalCode === null ? (c.kill('SIGKILL'), new Promise((r) => c.once('exit', r))) : undefined)));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fx?.cleanup();
  });

  it("forwards a local port to the pod's port (the WebSocket tunnel kubectl 1.31+ tries first)", async () => {
    const f = await portForward(['pod/web', ':8080']);
    assert.match(f.stdout(), /^Forwarding from 127\.0\.0\.1:\d+ -> 8080\n/);
    assert.deepEqual(await httpGet(f.port, '/'), { status: 200, body: 'hello-from-pod\n' });
    assert.match(f.stdout(), /Handling connection for \d+\n/);
    await stop(f);
  });

  it('forwards over a plain SPDY/3.1 upgrade too (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', async () => {
    const f = await portForward(['pod/web', ':8080'], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    assert.deepEqual(await httpGet(f.port, '/'), { status: 200, body: 'hello-from-pod\n' });
    await stop(f);
  });

  it('carries two connections at once, and a reply larger than any SPDY window', async () => {
    const f = await portForward(['pod/web', ':http']);
    const [a, b] = await Promise.all([httpGet(f.port, '/big'), httpGet(f.port, '/')]);
    assert.equal(a.status, 200);
    assert.equal(a.body.length, 1 << 20);
    assert.equal(a.body, 'x'.repeat(1 << 20));
    assert.deepEqual(b, { status: 200, body: 'hello-from-pod\n' });
    // Again on the same session: streams of finished connections are gone, new ones open.
    assert.deepEqual(await httpGet(f.port, '/'), { status: 200, body: 'hello-from-pod\n' });
    await stop(f);
  });

  it('carries 2 MiB up and back (an echo service), both directions with backpressure', async () => {
    const f = await portForward(['pod/web', ':9001']);
    const data = Buffer.alloc(2 << 20);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const back = await echo(f.port, data);
    assert.equal(back.length, data.length);
    assert.ok(back.equals(data), 'the echo differs');
    await stop(f);
  });

  it("prints kubectl's error for a port nothing listens on", async () => {
    const f = await portForward(['pod/web', ':9']);
    await httpGet(f.port, '/').catch(() => undefined);
    await waitForOutput(f, (_o, e) => e.includes('an error occurred forwarding'));
    const uid = (await fx.client.pods.get('web')).metadata!.uid;
    // As against Kubernetes 1.32: kubectl logs the error stream's message and gives up on the pod.
    assert.equal(await f.exited, 1);
    const message = `an error occurred forwarding ${f.port} -> 9: error forwarding port 9 to pod web, uid ${uid}: failed to connect to localhost:9 inside the network namespace of process `;
    assert.match(f.stderr(), /^E\d{4} [\d:.]+ +\d+ portforward\.go:\d+\] "Unhandled Error" err="(.*)"\nerror: lost connection to pod\n$/);
    const err = /err="(.*)"/.exec(f.stderr())![1];
    assert.equal(err.slice(0, message.length), message);
    assert.match(err.slice(message.length), /^\d+, IPv4: dial tcp4 127\.0\.0\.1:9: connect: connection refused IPv6 dial tcp6 \[::1\]:9: connect: (connection refused|cannot assign requested address)$/);
  });

  it("reaches a port the pod binds only to its loopback (localhost in the pod's network namespace, as Kubernetes)", async () => {
    const f = await portForward(['pod/web', ':8081']);
    assert.deepEqual(await httpGet(f.port, '/'), { status: 200, body: 'hello-from-pod\n' });
    await stop(f);
  });

  it('resolves svc/NAME (its port to the target port) and deployment/NAME to the pod, as kubectl does on the client side', async () => {
    const svc = await portForward(['svc/web', ':80']);
    assert.match(svc.stdout(), /^Forwarding from 127\.0\.0\.1:\d+ -> 8080\n/);
    assert.deepEqual(await httpGet(svc.port, '/'), { status: 200, body: 'hello-from-pod\n' });
    await stop(svc);
    const deploy = await portForward(['deployment/web', ':8080']);
    assert.deepEqual(await httpGet(deploy.port, '/'), { status: 200, body: 'hello-from-pod\n' });
    await stop(deploy);
  });

  it("refuses a user without create pods/portforward with Kubernetes' 403", async () => {
    const f = await portForward(['pod/web', ':8080', '--as=alice']);
    assert.equal(await f.exited, 1);
    assert.equal(f.stderr(), 'error: error upgrading connection: pods "web" is forbidden: User "alice" cannot create resource "pods/portforward" in API group "" in the namespace "default"\n');
  });

  describe('kitectl port-forward (PodService/PortForwardPod over gRPC)', () => {
    it('forwards as kubectl does, with the same lines', async () => {
      const f = await portForward(['pod/web', ':8080'], {}, 'kitectl');
      assert.match(f.stdout(), /^Forwarding from 127\.0\.0\.1:\d+ -> 8080\n$/);
      const [a, b] = await Promise.all([httpGet(f.port, '/big'), httpGet(f.port, '/')]);
      assert.equal(a.body, 'x'.repeat(1 << 20));
      assert.deepEqual(b, { status: 200, body: 'hello-from-pod\n' });
      assert.equal(f.stdout(), `Forwarding from 127.0.0.1:${f.port} -> 8080\nHandling connection for ${f.port}\nHandling connection for ${f.port}\n`);
      await stop(f);
      assert.equal(f.stderr(), '');
    });

    it('carries 2 MiB up and back', async () => {
      const f = await portForward(['pod/web', ':9001'], {}, 'kitectl');
      const data = Buffer.alloc(2 << 20, 'k');
      const back = await echo(f.port, data);
      assert.ok(back.equals(data), `${back.length} bytes came back`);
      await stop(f);
    });

    it('resolves svc/NAME and deployment/NAME, ports by name included', async () => {
      const svc = await portForward(['svc/web', ':web'], {}, 'kitectl');
      assert.match(svc.stdout(), /^Forwarding from 127\.0\.0\.1:\d+ -> 8080\n$/);
      assert.deepEqual(await httpGet(svc.port, '/'), { status: 200, body: 'hello-from-pod\n' });
      await stop(svc);
      const deploy = await portForward(['deployment/web', ':http'], {}, 'kitectl');
      assert.deepEqual(await httpGet(deploy.port, '/'), { status: 200, body: 'hello-from-pod\n' });
      await stop(deploy);
    });

    it("prints the kubelet's error for a closed port and gives up, as kubectl 1.32 does", async () => {
      const f = await portForward(['pod/web', ':9'], {}, 'kitectl');
      await httpGet(f.port, '/').catch(() => undefined);
      assert.equal(await f.exited, 1);
      const pod = await fx.client.pods.get('web');
      assert.match(
        f.stderr(),
        new RegExp(`^an error occurred forwarding ${f.port} -> 9: error forwarding port 9 to pod web, uid ${pod.metadata!.uid}: failed to connect to localhost:9 inside the network namespace of process \\d+, IPv4: dial tcp4 127\\.0\\.0\\.1:9: connect: connection refused IPv6 .*\nerror: lost connection to pod\n$`),
      );
    });

    it('PortForwardPod is authorized as create pods/portforward (the gate, for a stream that skips the HTTP check)', async () => {
      const client = new Client(fx.api.address, credentials.createInsecure());
      try {
        const md = new Metadata();
        md.set(IMPERSONATE_USER, 'alice');
        const m = GateClient.method(Pods, 'portForward');
        const call = client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, md);
        const failed = new Promise<ServiceError>((resolve) => call.on('error', resolve));
        call.on('data', () => assert.fail('alice got data'));
        call.write({ start: { namespace: 'default', podName: 'web', podUid: '', port: 8080 }, data: Buffer.alloc(0), close: false });
        const err = await failed;
        assert.equal(err.code, status.PERMISSION_DENIED);
        assert.equal(err.details, 'pods "web" is forbidden: User "alice" cannot create resource "pods/portforward" in API group "" in the namespace "default"');
      } finally {
        client.close();
      }
    });
  });
});
