// indexedIP: Kubernetes' GetIndexedIP, counted from the network address whatever address the CIDR is written with.
import { strict as assert } from 'node:assert';
import { indexedIP } from '../../../../lib/util/net';

describe('indexedIP', () => {
  const cases: [string, number, string][] = [
    ['10.96.0.0/16', 1, '10.96.0.1'],
    ['10.96.0.10/16', 1, '10.96.0.1'],
    ['10.96.5.255/12', 1, '10.96.0.1'],
    ['10.0.0.0/8', 256, '10.0.1.0'],
    ['192.168.1.128/25', 1, '192.168.1.129'],
  ];
  for (const [cidr, index, want] of cases) it(`${cidr} #${index} is ${want}`, () => assert.equal(indexedIP(cidr, index), want));
  it('refuses an index past the range and a bad CIDR', () => {
    assert.throws(() => indexedIP('10.0.0.0/30', 4), /out of range/);
    assert.throws(() => indexedIP('10.0.0.0', 1), /invalid IPv4 CIDR/);
    assert.throws(() => indexedIP('10.0.0.300/8', 1), /invalid IPv4 CIDR/);
  });
});
