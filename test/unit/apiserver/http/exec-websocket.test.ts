// pods/exec's streaming protocol (v5.channel.k8s.io / v4.channel.k8s.io): the channel framing,
// the error channel's Status for exit codes, the query's options, and one WebSocket session
// against a stand-in for the gate's ExecPod stream (stdin, resize, v5's stdin close, output, the
// exit code, and a refusal before the upgrade repeated to kubectl's SPDY retry).
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Metadata } from '@grpc/grpc-js';
import WebSocket from 'ws';
import { ForbiddenError, toServiceError } from '../../../../lib/api/errors';
import type { ExecPodRequest } from '../../../../lib/gen/kite/core/v1/services';
import { attachOptionsOf, CHANNEL, EXEC_PROTOCOLS, execMessageOf, execOptionsOf, exitStatus, ExecWebSocket, frame, Refusals } from '../../../../services/apiserver/http/exec-websocket';
import type { GateClient, HttpCaller } from '../../../../services/apiserver/http/gate-client';
import { parseRequestInfo } from '../../../../services/apiserver/http/request-info';

const [V5, V4] = EXEC_PROTOCOLS;

describe('pods/exec over WebSocket: framing', () => {
  it('frames a message as its channel byte then the data', () => {
    assert.deepEqual(frame(CHANNEL.stdout, Buffer.from('hi')), Buffer.from([1, 0x68, 0x69]));
    assert.deepEqual(frame(CHANNEL.error, '{}'), Buffer.from([3, 0x7b, 0x7d]));
  });

  it('reads stdin, resize and (v5 only) the close of stdin', () => {
    assert.deepEqual(execMessageOf(V5, Buffer.from([0, 0x61]))?.stdin, Buffer.from('a'));
    assert.equal(execMessageOf(V5, Buffer.from([0])), undefined);
    assert.deepEqual(execMessageOf(V4, frame(CHANNEL.resize, '{"Width":120,"Height":40}'))?.resize, { width: 120, height: 40 });
    assert.equal(execMessageOf(V5, frame(CHANNEL.resize, '{"Width":-1,"Height":40}')), undefined);
    assert.equal(execMessageOf(V5, frame(CHANNEL.resize, 'not json')), undefined);
    assert.equal(execMessageOf(V5, Buffer.from([255, 0]))?.stdinClose, true);
    assert.equal(execMessageOf(V5, Buffer.from([255, 1])), undefined);
    assert.equal(execMessageOf(V4, Buffer.from([255, 0])), undefined);
    assert.equal(execMessageOf(V5, Buffer.from([1, 0x61])), undefined);
    assert.equal(execMessageOf(V5, Buffer.alloc(0)), undefined);
  });

  it("carries an exit code as remotecommand's NonZeroExitCode with an ExitCode cause, 0 as Success", () => {
    assert.deepEqual(exitStatus(0, ['true']), { metadata: {}, status: 'Success' });
    assert.deepEqual(exitStatus(3, ['sh', '-c', 'exit 3']), {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it("reads PodExecOptions from the query as Kubernetes does", () => {
    const q = new URLSearchParams('command=sh&command=-c&command=echo+hi&container=c&stdin=true&stdout=true&tty=1');
    assert.deepEqual(execOptionsOf(q), { command: ['sh', '-c', 'echo hi'], container: 'c', stdin: true, stdout: true, stderr: true, tty: true });
    assert.throws(() => execOptionsOf(new URLSearchParams('stdout=true')), /you must specify at least one command for the container/);
    assert.throws(() => execOptionsOf(new URLSearchParams('command=ls&stdout=false&stderr=false')), /you must specify at least 1 of stdin, stdout, stderr/);
  });

  it('repeats a refusal once, within its lifetime', () => {
    let now = 0;
    const r = new Refusals(() => now);
    const s = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403 } as const;
    r.remember('k', s);
    assert.equal(r.take('other'), undefined);
    assert.deepEqual(r.take('k'), s);
    assert.equal(r.take('k'), undefined);
    r.remember('k', s);
    now = 60_000;
    assert.equal(r.take('k'), undefined);
  });
});

/** A stand-in for the gate's ExecPod stream: records what the front door writes. */
class FakeCall extends EventEmitter {
  written: ExecPodRequest[] = [];
  cancelled = false;
  write(m: ExecPodRequest) {
    this.written.push(m);
    this.emit('written');
    return true;
  }
  cancel() {
    this.cancelled = true;
    this.emit('cancel');
  }
  pause() {}
  resume() {}
}

describe('pods/exec over WebSocket: a session', () => {
  let server: Server;
  let calls: FakeCall[];
  let methods: string[];
  let execs: ExecWebSocket;
  const sockets = new Set<Socket>();
  const caller: HttpCaller = { impersonateGroups: [], peer: '127.0.0.1' };
  const path = '/api/v1/namespaces/ns1/pods/web/exec?command=cat&stdin=true&stdout=true&stderr=true';

  beforeEach(async () => {
    calls = [];
    methods = [];
    const gate = {
      duplex: (method: { path: string }) => {
        methods.push(method.path);
        const c = new FakeCall();
        calls.push(c);
        return c;
      },
    } as unknown as GateClient;
    execs = new ExecWebSocket(gate);
    server = createServer();
    server.on('connection', (s: Socket) => sockets.add(s));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const url = new URL(req.url!, 'http://x');
      execs.upgrade(parseRequestInfo(req.method!, url.pathname, url.searchParams), url.searchParams, req, socket, head, caller);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    execs.close();
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => server.close(() => r()));
  });

  const url = () => `ws://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const nextWrite = (c: FakeCall) => new Promise<ExecPodRequest>((r) => c.once('written', () => r(c.written[c.written.length - 1])));

  it('starts the command, then forwards stdin, resize and the close of stdin, and sends output and the exit code', async () => {
    const ws = new WebSocket(url(), [V5, V4]);
    const messages: Buffer[] = [];
    ws.on('message', (d: Buffer) => messages.push(d));
    const closed = new Promise<number>((r) => ws.on('close', (code: number) => r(code)));
    await new Promise<void>((r) => server.once('upgrade', () => setImmediate(r)));
    const call = calls[0];
    assert.deepEqual(call.written[0].start, { namespace: 'ns1', podName: 'web', podUid: '', container: '', command: ['cat'], stdin: true, tty: false, size: undefined });
    call.emit('metadata', new Metadata());
    await new Promise<void>((r) => ws.once('open', r));
    assert.equal(ws.protocol, V5);

    ws.send(frame(CHANNEL.stdin, 'hi\n'));
    assert.deepEqual((await nextWrite(call)).stdin, Buffer.from('hi\n'));
    ws.send(frame(CHANNEL.resize, '{"Width":80,"Height":24}'));
    assert.deepEqual((await nextWrite(call)).resize, { width: 80, height: 24 });
    ws.send(Buffer.from([CHANNEL.close, CHANNEL.stdin]));
    assert.equal((await nextWrite(call)).stdinClose, true);

    call.emit('data', { stdout: Buffer.from('hi\n'), stderr: Buffer.alloc(0) });
    call.emit('data', { stdout: Buffer.alloc(0), stderr: Buffer.from('oops\n') });
    call.emit('data', { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 3 });
    call.emit('end');
    assert.equal(await closed, 1000);
    assert.deepEqual(messages.slice(0, 2), [frame(CHANNEL.stdout, 'hi\n'), frame(CHANNEL.stderr, 'oops\n')]);
    assert.equal(messages[2][0], CHANNEL.error);
    assert.deepEqual(JSON.parse(messages[2].subarray(1).toString()), exitStatus(3, ['cat']));
    assert.equal(call.cancelled, false);
  });

  it('speaks v4.channel.k8s.io to a client that offers only it', async () => {
    const ws = new WebSocket(url(), [V4]);
    await new Promise<void>((r) => server.once('upgrade', () => setImmediate(r)));
    calls[0].emit('metadata', new Metadata());
    await new Promise<void>((r) => ws.once('open', r));
    assert.equal(ws.protocol, V4);
    // The client leaving before the command ended cancels the stream.
    const cancelled = new Promise<void>((r) => calls[0].once('cancel', r));
    ws.close();
    await cancelled;
  });

  it("refuses before the upgrade with the gate's Status, and repeats it to the SPDY retry without a second call", async () => {
    const ws = new WebSocket(url(), [V5]);
    const refused = new Promise<IncomingMessage>((r) => ws.on('unexpected-response', (_req, res) => r(res)));
    ws.on('error', () => undefined);
    await new Promise<void>((r) => server.once('upgrade', () => setImmediate(r)));
    calls[0].emit('error', toServiceError(new ForbiddenError('pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "ns1"')));
    const res = await refused;
    const body = await new Promise<string>((r) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => r(b));
    });
    assert.equal(res.statusCode, 403);
    const status = JSON.parse(body);
    assert.equal(status.reason, 'Forbidden');
    assert.deepEqual(status.details, { name: 'web', kind: 'pods' });

    const spdy = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' } });
      req.on('response', (r) => {
        let b = '';
        r.on('data', (d) => (b += d));
        r.on('end', () => resolve({ code: r.statusCode!, body: b }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(spdy.code, 403);
    assert.deepEqual(JSON.parse(spdy.body), status);
    assert.equal(calls.length, 1);
  });

  it('attaches through the AttachPod stream (no command) and ends with Success whatever the exit code, as kubelets report attach', async () => {
    const ws = new WebSocket(url().replace('/exec?command=cat&', '/attach?'), [V5]);
    const messages: Buffer[] = [];
    ws.on('message', (d: Buffer) => messages.push(d));
    const closed = new Promise<number>((r) => ws.on('close', (code: number) => r(code)));
    await new Promise<void>((r) => server.once('upgrade', () => setImmediate(r)));
    const call = calls[0];
    assert.equal(methods[0], '/kite.core.v1.PodService/AttachPod');
    assert.deepEqual(call.written[0].start, { namespace: 'ns1', podName: 'web', podUid: '', container: '', command: [], stdin: true, tty: false, size: undefined });
    call.emit('metadata', new Metadata());
    await new Promise<void>((r) => ws.once('open', r));
    ws.send(frame(CHANNEL.stdin, 'x\n'));
    assert.deepEqual((await nextWrite(call)).stdin, Buffer.from('x\n'));
    call.emit('data', { stdout: Buffer.from('got:x\n'), stderr: Buffer.alloc(0) });
    call.emit('data', { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 3 });
    call.emit('end');
    assert.equal(await closed, 1000);
    assert.deepEqual(messages[0], frame(CHANNEL.stdout, 'got:x\n'));
    assert.deepEqual(JSON.parse(messages[1].subarray(1).toString()), { metadata: {}, status: 'Success' });
  });

  it('reads PodAttachOptions as Kubernetes does: no command, at least one stream', () => {
    assert.deepEqual(attachOptionsOf(new URLSearchParams('container=c&stdin=true&tty=true&stderr=false')), { command: [], container: 'c', stdin: true, stdout: true, stderr: false, tty: true });
    assert.throws(() => attachOptionsOf(new URLSearchParams('stdout=false&stderr=false')), /you must specify at least 1 of stdin, stdout, stderr/);
  });
});
