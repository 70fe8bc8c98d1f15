// The UDP size limit: 512 bytes without EDNS0, the client's advertised size with it (at most
// 1232), past which the response goes back with TC set and no records.
import { strict as assert } from 'node:assert';
import * as packet from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { encodeUdp } from '../../../services/kite-dns/dns-server';

const query = (udpPayloadSize?: number): Packet => ({
  type: 'query',
  id: 7,
  questions: [{ name: 'big.default.svc.cluster.local', type: 'A', class: 'IN' }],
  additionals: udpPayloadSize ? [{ type: 'OPT', name: '.', udpPayloadSize, flags: 0 } as Answer] : [],
});
const withRecords = (n: number): Packet => ({
  type: 'response',
  id: 7,
  flags: packet.AUTHORITATIVE_ANSWER,
  questions: query().questions,
  answers: Array.from({ length: n }, (_, i) => ({ name: 'big.default.svc.cluster.local', type: 'A', ttl: 5, data: `10.0.${i >> 8}.${i & 255}` }) as Answer),
});

describe('kite-dns UDP truncation', () => {
  it('sends an answer that fits as it is', () => {
    const res = packet.decode(encodeUdp(query(), withRecords(20)));
    assert.equal(res.answers!.length, 20);
    assert.equal(res.flags! & packet.TRUNCATED_RESPONSE, 0);
  });

  it('sets TC and drops the records past 512 bytes without EDNS0', () => {
    const wire = encodeUdp(query(), withRecords(40));
    const res = packet.decode(wire);
    assert.ok(res.flags! & packet.TRUNCATED_RESPONSE);
    assert.deepEqual(res.answers, []);
    assert.ok(wire.length <= 512);
  });

  it('allows the EDNS0 size the client advertised, capped at 1232, and answers with an OPT record', () => {
    const fits = packet.decode(encodeUdp(query(1232), withRecords(40)));
    assert.equal(fits.answers!.length, 40);
    assert.ok(fits.additionals!.some((r) => r.type === 'OPT'));
    assert.ok(packet.decode(encodeUdp(query(4096), withRecords(80))).flags! & packet.TRUNCATED_RESPONSE);
    assert.ok(packet.decode(encodeUdp(query(100), withRecords(40))).flags! & packet.TRUNCATED_RESPONSE, 'a size below 512 counts as 512');
  });
});
