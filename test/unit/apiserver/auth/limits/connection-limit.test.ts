// Connections per peer (services/apiserver/auth/limits/connection-limit.ts): the count per
// address, and a real listener that closes a peer's connections beyond the limit before any
// byte is read while gRPC keeps working on the others.
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { PeerConnections } from '../../../../../services/apiserver/auth/limits/connection-limit';
import { startTestApiserver, type TestApiserver } from '../../../../support/apiserver';

/** Opens a TCP connection; resolves whether the server closed it within `ms`. */
function openAndWatch(port: number, ms: number): Promise<{ socket: Socket; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      const t = setTimeout(() => resolve({ socket, closedByServer: false }), ms);
      socket.once('close', () => {
        clearTimeout(t);
        resolve({ socket, closedByServer: true });
      });
    });
    socket.once('error', reject);
  });
}

describe('request limits: connections per peer', function () {
  this.timeout(30_000);

  it('counts connections per address and releases each once', () => {
    const peers = new PeerConnections(2);
    const a1 = peers.admit('10.0.0.1')!;
    const a2 = peers.admit('10.0.0.1')!;
    assert.equal(peers.admit('10.0.0.1'), undefined, 'the third from one address is refused');
    assert.ok(peers.admit('10.0.0.2'), 'another address has its own count');
    a1();
    a1();
    assert.equal(peers.count('10.0.0.1'), 1);
    assert.ok(peers.admit('10.0.0.1'));
    a2();
    assert.ok(new PeerConnections(0).admit('x'), '0: no limit');
  });

  describe('on a running apiserver', () => {
    let s: TestApiserver;
    before(async () => {
      s = await startTestApiserver({ maxConnectionsPerPeer: 3 });
    });
    after(() => s?.stop());

    it("closes a peer's connections beyond the limit at once, and serves again once it has fewer", async () => {
      const held = await Promise.all([0, 1, 2].map(() => openAndWatch(s.server.port, 300)));
      assert.deepEqual(held.map((h) => h.closedByServer), [false, false, false]);
      const extra = await openAndWatch(s.server.port, 2000);
      assert.equal(extra.closedByServer, true, 'the fourth is closed by the server');
      held.forEach((h) => h.socket.destroy());
      await new Promise((r) => setTimeout(r, 100));
      const c = s.client();
      assert.ok(await c.namespaces.get('default'));
    });
  });
});
