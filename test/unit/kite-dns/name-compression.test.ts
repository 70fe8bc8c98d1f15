// Name compression over dns-packet's encoding: the message decodes to the same records, is
// smaller, and a message it cannot walk is left as it is.
import { strict as assert } from 'node:assert';
import * as packet from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { compressNames } from '../../../services/kite-dns/name-compression';

const name = 'pg.db.svc.cluster.local';
const message: Packet = {
  type: 'response',
  id: 9,
  flags: packet.AUTHORITATIVE_ANSWER,
  questions: [{ name: `_sql._tcp.${name}`, type: 'SRV', class: 'IN' }],
  answers: [
    { name: `_sql._tcp.${name}`, type: 'SRV', ttl: 5, data: { priority: 0, weight: 50, port: 5432, target: `pg-0.${name}` } },
    { name: `_sql._tcp.${name}`, type: 'SRV', ttl: 5, data: { priority: 0, weight: 50, port: 5432, target: `pg-1.${name}` } },
  ] as Answer[],
  authorities: [{ name: 'cluster.local', type: 'SOA', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, minimum: 5 } }] as Answer[],
  additionals: [
    { name: `pg-0.${name}`, type: 'A', ttl: 5, data: '10.244.1.5' },
    { name: `pg-1.${name}`, type: 'A', ttl: 5, data: '10.244.2.6' },
    { type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0 },
  ] as Answer[],
};

describe('kite-dns name compression', () => {
  it('decodes to the same message, smaller', () => {
    const plain = packet.encode(message);
    const compressed = compressNames(plain);
    assert.ok(compressed.length < plain.length - 60, `${compressed.length} < ${plain.length}`);
    assert.deepEqual(packet.decode(compressed), packet.decode(plain));
  });

  it('fits a dozen A records of one name in far fewer bytes than written in full', () => {
    const many: Packet = { type: 'response', id: 1, questions: [{ name, type: 'A' }], answers: Array.from({ length: 12 }, (_, i) => ({ name, type: 'A', ttl: 5, data: `10.0.0.${i}` })) as Answer[] };
    const compressed = compressNames(packet.encode(many));
    assert.equal(compressed.length, 12 + name.length + 2 + 4 + 12 * 16);
    assert.equal(packet.decode(compressed).answers!.length, 12);
  });

  it('leaves a message it cannot walk as it is', () => {
    const cut = packet.encode(message).subarray(0, 40);
    assert.equal(compressNames(cut), cut);
  });
});
