// The raw floor of bench:dns: the least a DNS server on this stack can do per query, with the
// socket setup kite-dns uses (one node:dgram UDP socket) and the same library: decode the query
// with dns-packet, encode one fixed A record (TTL an hour) for whatever was asked, send it back.
// It also serves as kite-dns's upstream in the bench. Forked by bench/dns.ts; reports its port
// over IPC.
import { createSocket } from 'node:dgram';
import * as packet from 'dns-packet';

const udp = createSocket('udp4');
udp.on('message', (msg, rinfo) => {
  let q: packet.Packet;
  try {
    q = packet.decode(msg);
  } catch {
    return;
  }
  const question = q.questions![0];
  const res = packet.encode({
    type: 'response',
    id: q.id,
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
    questions: q.questions,
    answers: question.type === 'A' ? [{ name: question.name, type: 'A', class: 'IN', ttl: 3600, data: '192.0.2.1' }] : [],
  });
  udp.send(res, rinfo.port, rinfo.address);
});
udp.bind(0, '127.0.0.1', () => process.send!({ port: udp.address().port }));
process.on('disconnect', () => process.exit(0));
