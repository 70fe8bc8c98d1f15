// The Docker runtime's port-forward dial: localhost inside a process' network namespace (here the
// test's own, entered with nsenter as the kubelet enters a sandbox's), the error worded as
// containerd words it, and the pod-IP dial where the namespace cannot be entered.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { dialPodPort } from '../../../../services/kubelet/runtime/port-forward';

/** An echo server on 127.0.0.1 that prefixes what it echoes. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`)).on('end', () => s.end()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

async function roundTrip(conn: Duplex, text: string): Promise<string> {
  conn.write(text);
  conn.end();
  const chunks: Buffer[] = [];
  for await (const c of conn) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** A pid nothing runs as (nsenter cannot open its namespace). */
const NO_SUCH_PID = 2 ** 22 + 12345;

describe('kubelet runtime port-forward dial', function () {
  this.timeout(20_000);
  let echo: { server: Server; port: number };
  before(async () => (echo = await echoServer()));
  after(() => echo.server.close());

  it("connects to localhost inside the process' network namespace", async () => {
    const conn = await dialPodPort(process.pid, '', echo.port);
    assert.equal(await roundTrip(conn, 'hi'), 'echo:hi');
  });

  it('hands over everything the pod sent before closing, to a slow reader', async () => {
    const big = Buffer.alloc(2 << 20, 'x');
    const sender = createServer((s) => s.end(big));
    sender.listen(0, '127.0.0.1');
    await once(sender, 'listening');
    try {
      // The pod's side closes while the pipe to the kubelet is full: the relay must not exit with bytes unwritten.
      for (let i = 0; i < 3; i++) {
        const conn = await dialPodPort(process.pid, '', (sender.address() as AddressInfo).port);
        conn.end();
        let n = 0;
        for await (const c of conn) {
          n += (c as Buffer).length;
          await new Promise((r) => setTimeout(r, 1));
        }
        assert.equal(n, big.length);
      }
    } finally {
      sender.close();
    }
  });

  it('words a refused port as containerd does, both loopbacks tried', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await assert.rejects(dialPodPort(process.pid, '', port), (err: Error) => {
      assert.match(err.message, new RegExp(`^failed to connect to localhost:${port} inside the network namespace of process ${process.pid}, IPv4: dial tcp4 127\\.0\\.0\\.1:${port}: connect: connection refused IPv6 dial tcp6 \\[::1\\]:${port}: connect: `));
      return true;
    });
  });

  it("enters a namespace only through the container's own process (a pid of the kubelet's PID namespace is not the container's)", async () => {
    const other = createServer((s) => s.end('pod-ip'));
    other.listen(0, '127.0.0.2');
    await once(other, 'listening');
    const port = (other.address() as AddressInfo).port;
    try {
      // The test's own pid is no container's: the pod's IP is dialled, not localhost in that pid's namespace.
      assert.equal(await roundTrip(await dialPodPort(process.pid, '127.0.0.2', port, 'f00dfeed'), ''), 'pod-ip');
      await assert.rejects(dialPodPort(process.pid, '127.0.0.2', port), /failed to connect to localhost/);
    } finally {
      other.close();
    }
  });

  it("dials the pod's IP where the namespace cannot be entered, and says why when there is none", async () => {
    const conn = await dialPodPort(NO_SUCH_PID, '127.0.0.1', echo.port);
    assert.equal(await roundTrip(conn, 'ip'), 'echo:ip');
    await assert.rejects(dialPodPort(NO_SUCH_PID, '', echo.port), /nsenter/);
  });
});
