// The forwarder behind `kite create port-mapping`, on real sockets on the loopback interface:
// bytes relayed both ways for many connections at once, a refused target resets the client,
// UDP replies find their way back to each client.
import { strict as assert } from 'node:assert';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { startForwarder, type Forwarder } from '../../../services/kite/port-forwarder';

const listening = async (s: Server) => {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as { port: number }).port;
};

/** Sends `text`, half-closes, and resolves with everything the peer sent back. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c: Socket = connect(port, '127.0.0.1', () => c.end(text));
    const got: Buffer[] = [];
    c.on('data', (d: Buffer) => got.push(d));
    c.on('end', () => resolve(Buffer.concat(got).toString()));
    c.on('error', reject);
  });
}

describe('kite port forwarder', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('relays TCP both ways, for concurrent connections, each to its own upstream connection', async () => {
    let upstreamConnections = 0;
    const echo = createServer((s) => {
      upstreamConnections++;
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('end', () => s.end(`echo:${Buffer.concat(chunks).toString()}`));
    });
    const target = await listening(echo);
    cleanups.push(() => echo.close());
    const f: Forwarder = await startForwarder({ protocol: 'TCP', listenPort: 0, listenAddress: '127.0.0.1', targetHost: '127.0.0.1', targetPort: target });
    cleanups.push(() => f.close());
    const big = 'x'.repeat(1 << 20);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => roundTrip(f.port, i === 0 ? big : `msg-${i}`)));
    assert.ok(replies[0] === `echo:${big}`, `the 1 MiB reply came back with ${replies[0].length} characters`);
    for (let i = 1; i < 20; i++) assert.equal(replies[i], `echo:msg-${i}`);
    assert.equal(upstreamConnections, 20);
  });

  it('resets the client when nothing listens at the target', async () => {
    const probe = createServer();
    const deadPort = await listening(probe);
    await new Promise((r) => probe.close(r));
    const f = await startForwarder({ protocol: 'TCP', listenPort: 0, listenAddress: '127.0.0.1', targetHost: '127.0.0.1', targetPort: deadPort });
    cleanups.push(() => f.close());
    await assert.rejects(roundTrip(f.port, 'hello'), /ECONNRESET|EPIPE/);
  });

  it('fails to start on a port already in use', async () => {
    const taken = createServer();
    const port = await listening(taken);
    cleanups.push(() => taken.close());
    await assert.rejects(startForwarder({ protocol: 'TCP', listenPort: port, listenAddress: '127.0.0.1', targetHost: '127.0.0.1', targetPort: 1 }), /EADDRINUSE/);
  });

  it('relays UDP datagrams and sends each reply back to the client that asked', async () => {
    const upstream = createSocket('udp4');
    upstream.on('message', (msg, from) => upstream.send(`re:${msg.toString()}`, from.port, from.address));
    upstream.bind(0, '127.0.0.1');
    await once(upstream, 'listening');
    cleanups.push(() => upstream.close());
    const f = await startForwarder({ protocol: 'UDP', listenPort: 0, listenAddress: '127.0.0.1', targetHost: '127.0.0.1', targetPort: upstream.address().port, udpIdleMs: 1000 });
    cleanups.push(() => f.close());
    const ask = async (client: UdpSocket, text: string) => {
      const reply = once(client, 'message');
      client.send(text, f.port, '127.0.0.1');
      const [msg] = (await reply) as [Buffer];
      return msg.toString();
    };
    const clients = [createSocket('udp4'), createSocket('udp4')];
    for (const c of clients) {
      c.bind(0, '127.0.0.1');
      await once(c, 'listening');
      cleanups.push(() => c.close());
    }
    assert.equal(await ask(clients[0], 'one'), 're:one');
    assert.equal(await ask(clients[1], 'two'), 're:two');
    assert.equal(await ask(clients[0], 'three'), 're:three');
  });
});
