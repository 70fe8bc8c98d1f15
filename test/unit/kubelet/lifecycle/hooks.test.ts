import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Container, LifecycleHandler, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { FakeClock } from '../../../support/fake-clock';
import { HookRunner, type HookTarget } from '../../../../services/kubelet/lifecycle/hooks';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import { parsePreStopLabel, preStopLabel } from '../../../../services/kubelet/runtime/labels';

describe('kubelet lifecycle HookRunner', () => {
  let runtime: FakeRuntime;
  let clock: FakeClock;
  let hooks: HookRunner;
  let server: Server;
  let port: number;
  let requests: IncomingMessage[];

  const target = (over: Partial<HookTarget> = {}): HookTarget => ({
    pod: { name: 'web', namespace: 'default', uid: 'uid-1' },
    container: Container.fromPartial({ name: 'web', ports: [{ name: 'http', containerPort: port }] }),
    containerId: 'c1',
    podIP: '127.0.0.1',
    ...over,
  });
  const h = (json: unknown) => LifecycleHandler.fromJSON(json);

  before(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('bye');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  beforeEach(async () => {
    requests = [];
    runtime = new FakeRuntime(['nginx:1.22']);
    clock = new FakeClock();
    hooks = new HookRunner(runtime, clock);
  });

  it('runs exec in the container; a non-zero exit fails with Kubernetes\' message', async () => {
    await runtime.ensurePodNetwork('pods', '10.244.1.0/24');
    const pod = Pod.fromPartial({ metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { containers: [] } });
    const sandbox = await runtime.runPodSandbox(pod, { network: 'pods' });
    const id = await runtime.createContainer(sandbox.id, pod, Container.fromPartial({ name: 'web', image: 'nginx:1.22' }));
    await runtime.startContainer(id);
    assert.deepEqual(await hooks.run(h({ exec: { command: ['true'] } }), target({ containerId: id })), { ok: true, message: '' });
    runtime.execHandler = () => ({ exitCode: 2, stdout: 'oops' });
    assert.deepEqual(await hooks.run(h({ exec: { command: ['sh', '-c', 'exit 2'] } }), target({ containerId: id })), {
      ok: false,
      message: 'Exec lifecycle hook ([sh -c exit 2]) for Container "web" in Pod "web_default(uid-1)" failed - error: command \'sh -c exit 2\' exited with 2: oops, message: "oops"',
    });
    const gone = await hooks.run(h({ exec: { command: ['true'] } }), target({ containerId: 'missing' }));
    assert.equal(gone.ok, false);
    assert.match(gone.message, /^Exec lifecycle hook \(\[true\]\) for Container "web" .* failed - error: .*missing/);
  });

  it('sends httpGet to the pod IP (or the handler\'s host) and a named port; any answer will do', async () => {
    assert.equal((await hooks.run(h({ httpGet: { path: '/drain', port: 'http', httpHeaders: [{ name: 'X-Why', value: 'stop' }] } }), target())).ok, true);
    assert.equal(requests[0].url, '/drain');
    assert.equal(requests[0].headers['x-why'], 'stop');
    assert.equal((await hooks.run(h({ httpGet: { path: '/fail', port, host: '127.0.0.1' } }), target({ podIP: '' }))).ok, true, 'a 500 is an answer');
  });

  it('fails an httpGet that gets no answer, saying where it went', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const out = await hooks.run(h({ httpGet: { path: '/x', port: closedPort } }), target());
    assert.equal(out.ok, false);
    assert.match(out.message, new RegExp(`^HTTP lifecycle hook \\(/x\\) for Container "web" in Pod "web_default\\(uid-1\\)" failed - error: Get "http://127.0.0.1:${closedPort}/x": .*ECONNREFUSED`));
  });

  it('fails a tcpSocket handler, as Kubernetes does not run them', async () => {
    assert.deepEqual(await hooks.run(h({ tcpSocket: { port: 80 } }), target()), {
      ok: false,
      message: 'Cannot run handler: invalid handler: tcpSocket is not supported as a lifecycle handler',
    });
  });

  it('sleeps, and fails when aborted first', async () => {
    const slept = hooks.run(h({ sleep: { seconds: 2 } }), target());
    clock.step(2_000);
    assert.deepEqual(await slept, { ok: true, message: '' });
    const abort = new AbortController();
    const cut = hooks.run(h({ sleep: { seconds: 2 } }), target(), abort.signal);
    abort.abort();
    assert.deepEqual(await cut, {
      ok: false,
      message: 'Sleep lifecycle hook (2) for Container "web" in Pod "web_default(uid-1)" failed - error: container terminated before sleep hook finished',
    });
  });

  it('bounds a hook by its budget: whole seconds elapsed, or abandoned', async () => {
    const quick = hooks.runWithin(h({ sleep: { seconds: 3 } }), target(), 10);
    clock.step(3_000);
    assert.deepEqual(await quick, { elapsedSeconds: 3, outcome: { ok: true, message: '' } });
    const slow = hooks.runWithin(h({ sleep: { seconds: 30 } }), target(), 5);
    clock.step(5_000);
    assert.deepEqual(await slow, { elapsedSeconds: 5 });
    assert.equal(clock.timerCount(), 0);
  });

  it('keeps the preStop handler in a label with named ports resolved', () => {
    const c = Container.fromPartial({ name: 'web', ports: [{ name: 'http', containerPort: 8080 }], lifecycle: { preStop: { httpGet: { path: '/q', port: 'http' } } } });
    const back = parsePreStopLabel(preStopLabel(c));
    assert.equal(back?.httpGet?.port, 8080);
    assert.equal(back?.httpGet?.path, '/q');
    assert.equal(preStopLabel(Container.fromPartial({ name: 'web' })), undefined);
    assert.equal(parsePreStopLabel('{not json'), undefined);
  });
});
