// Where kite-dns forwards: --upstream addresses and the nameservers of a resolv.conf.
import { strict as assert } from 'node:assert';
import { nameserversOf, parseUpstream } from '../../../services/kite-dns/forwarder';

describe('kite-dns upstreams', () => {
  it('parses host[:port], bare IPv6 and [IPv6]:port', () => {
    assert.deepEqual(parseUpstream('192.0.2.53'), { host: '192.0.2.53', port: 53 });
    assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
    assert.deepEqual(parseUpstream('2001:db8::53'), { host: '2001:db8::53', port: 53 });
    assert.deepEqual(parseUpstream('[::1]:5353'), { host: '::1', port: 5353 });
  });

  it('reads the nameservers of a resolv.conf in order (a link-local one with its zone), ignoring the rest', () => {
    const conf = ['# generated', 'search example.test', 'nameserver 192.0.2.1', 'options ndots:2', '  nameserver   fe80::1%eth0', 'nameserver'].join('\n');
    assert.deepEqual(nameserversOf(conf), [
      { host: '192.0.2.1', port: 53 },
      { host: 'fe80::1%eth0', port: 53 },
    ]);
  });
});
