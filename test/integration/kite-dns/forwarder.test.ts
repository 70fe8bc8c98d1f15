// kite-dns's forwarder against resolvers on loopback: the next upstream after a refused port, a
// silent one or one answering another question, TCP after a truncated UDP answer, and undefined (SERVFAIL) once all failed.
import { strict as assert } from 'node:assert';
import { createSocket } from 'node:dgram';
import { Forwarder } from '../../../services/kite-dns/forwarder';
import { FakeUpstream } from './fake-upstream';

/** A loopback UDP port nobody listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('kite-dns forwarder', function () {
  this.timeout(20_000);
  const records = { 'example.test': [{ name: 'example.test', type: 'A' as const, ttl: 60, data: '192.0.2.10' }] };
  let good: FakeUpstream;
  let silent: FakeUpstream;
  let truncating: FakeUpstream;
  let spoofing: FakeUpstream;
  const forwarders: Forwarder[] = [];

  before(async () => {
    good = await new FakeUpstream({ records }).start();
    silent = await new FakeUpstream({ silent: true }).start();
    truncating = await new FakeUpstream({ records, truncateUdp: true }).start();
    spoofing = await new FakeUpstream({ records, wrongQuestion: true }).start();
  });
  after(async () => {
    forwarders.forEach((f) => f.close());
    await Promise.all([good, silent, truncating, spoofing].map((u) => u?.stop()));
  });
  const forwarder = (ports: number[], timeoutMs = 2_000) => {
    const f = new Forwarder(ports.map((port) => ({ host: '127.0.0.1', port })), timeoutMs);
    forwarders.push(f);
    return f;
  };
  const addresses = (p: Awaited<ReturnType<Forwarder['query']>>) => p?.answers?.map((r) => (r as { data: string }).data);

  it('moves on from a refused port to the next upstream', async () => {
    const res = await forwarder([await closedPort(), good.port]).query('example.test', 'A');
    assert.deepEqual(addresses(res), ['192.0.2.10']);
  });

  it('moves on from a silent upstream within the deadline', async () => {
    const res = await forwarder([silent.port, good.port]).query('example.test', 'A');
    assert.deepEqual(addresses(res), ['192.0.2.10']);
    assert.equal(silent.count('example.test', 'A'), 1);
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const res = await forwarder([truncating.port]).query('example.test', 'A');
    assert.deepEqual(addresses(res), ['192.0.2.10']);
    assert.equal(truncating.count('example.test', 'A'), 2, 'once over UDP, once over TCP');
  });

  it('ignores an answer with the right id to another question (a spoofer), and asks the next upstream', async () => {
    const res = await forwarder([spoofing.port, good.port], 1_000).query('example.test', 'A');
    assert.deepEqual(res?.answers?.map((r) => `${r.name} ${(r as { data: string }).data}`), ['example.test 192.0.2.10']);
    assert.equal(spoofing.count('example.test', 'A'), 1);
  });

  it('gives up (undefined) when every upstream is silent or refused', async () => {
    assert.equal(await forwarder([silent.port], 300).query('nothing.test', 'A'), undefined);
    assert.equal(await forwarder([await closedPort()]).query('nothing.test', 'A'), undefined);
  });
});
