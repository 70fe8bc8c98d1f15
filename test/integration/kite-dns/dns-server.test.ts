// The DNS server's sockets on loopback: a datagram that is itself a response gets no answer (two
// servers never bounce errors at each other), a socket error does not stop the server, and one
// TCP connection carries several queries.
import { strict as assert } from 'node:assert';
import { createSocket, type Socket } from 'node:dgram';
import * as packet from 'dns-packet';
import type { Packet } from 'dns-packet';
import { ClusterZone } from '../../../services/kite-dns/cluster-zone';
import { DnsServer } from '../../../services/kite-dns/dns-server';
import { Forwarder } from '../../../services/kite-dns/forwarder';
import { QueryHandler } from '../../../services/kite-dns/query-handler';
import { RecordStore } from '../../../services/kite-dns/record-store';
import { ResponseCache } from '../../../services/kite-dns/response-cache';

describe('kite-dns DNS server sockets', () => {
  let server: DnsServer;
  let port: number;
  let client: Socket;
  const forwarder = new Forwarder([], 100);

  before(async () => {
    const zone = new ClusterZone(new RecordStore(['cluster.local']), { domain: 'cluster.local', ttl: 5, podMode: 'insecure', namespaceExists: () => true, podHasIP: () => false });
    server = new DnsServer(new QueryHandler(zone, forwarder, new ResponseCache()));
    port = await server.listen({ host: '127.0.0.1', port: 0 });
    client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
  });
  after(async () => {
    client?.close();
    await server?.close();
  });

  /** Sends each message in order and resolves with the first datagram that comes back. */
  const firstReply = (...messages: Packet[]) =>
    new Promise<Packet>((resolve) => {
      client.once('message', (msg) => resolve(packet.decode(msg)));
      for (const m of messages) client.send(packet.encode(m), port, '127.0.0.1');
    });
  const query = (id: number): Packet => ({ type: 'query', id, questions: [{ name: 'dns-version.cluster.local', type: 'TXT', class: 'IN' }] });

  it('drops a datagram that is a response and answers the query after it', async () => {
    const res = await firstReply({ ...query(1), type: 'response' }, query(2));
    assert.equal(res.id, 2);
  });

  it('keeps serving after errors on its UDP socket', async () => {
    const udp = (server as unknown as { udp: Socket }).udp;
    for (let i = 0; i < 2; i++) udp.emit('error', Object.assign(new Error('send EACCES 255.255.255.255:53'), { code: 'EACCES' }));
    const res = await firstReply(query(3));
    assert.equal(res.id, 3);
  });
});
