// One query -> one response, with a fake forwarder: authoritative cluster answers, forwarded
// answers (not authoritative) shared by identical questions in flight and then cached, SERVFAIL
// when the upstreams fail, FORMERR and NOTIMP for what is not a standard query of one question.
import { strict as assert } from 'node:assert';
import * as packet from 'dns-packet';
import type { Packet, RecordType } from 'dns-packet';
import { ClusterZone } from '../../../services/kite-dns/cluster-zone';
import type { Forwarder } from '../../../services/kite-dns/forwarder';
import { QueryHandler, RCODES } from '../../../services/kite-dns/query-handler';
import { RecordStore } from '../../../services/kite-dns/record-store';
import { serviceRecords } from '../../../services/kite-dns/records';
import { ResponseCache } from '../../../services/kite-dns/response-cache';
import { service } from './fixtures';

/** A forwarder whose answers the test releases by hand. */
class FakeForwarder {
  readonly asked: string[] = [];
  private readonly waiting: ((p: Packet | undefined) => void)[] = [];
  query(name: string, type: RecordType): Promise<Packet | undefined> {
    this.asked.push(`${name} ${type}`);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  answerAll(p: Packet | undefined): void {
    this.waiting.splice(0).forEach((resolve) => resolve(p));
  }
}

function setup() {
  const store = new RecordStore(['cluster.local']);
  const zone = new ClusterZone(store, { domain: 'cluster.local', ttl: 5, podMode: 'insecure', namespaceExists: () => true, podHasIP: () => false });
  store.replace('service/default/web', serviceRecords(service('default', 'web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] }), [], 'cluster.local', 5));
  const forwarder = new FakeForwarder();
  const handler = new QueryHandler(zone, forwarder as unknown as Forwarder, new ResponseCache());
  return { handler, forwarder };
}

const query = (name: string, type: RecordType = 'A', flags = packet.RECURSION_DESIRED): Packet => ({ type: 'query', id: 77, flags, questions: [{ name, type, class: 'IN' }] });
const rcode = (p: Packet) => (p.flags ?? 0) & 0xf;

describe('kite-dns query handler', () => {
  it('answers cluster names at once, authoritatively, echoing the id, question and RD', () => {
    const { handler, forwarder } = setup();
    const res = handler.handle(query('web.default.svc.cluster.local')) as Packet;
    assert.ok(!(res instanceof Promise));
    assert.equal(res.id, 77);
    assert.equal(res.type, 'response');
    assert.deepEqual(res.questions, [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
    assert.ok(res.flags! & packet.AUTHORITATIVE_ANSWER && res.flags! & packet.RECURSION_DESIRED && res.flags! & packet.RECURSION_AVAILABLE);
    assert.equal(rcode(res), RCODES.NOERROR);
    assert.equal(rcode(handler.handle(query('nope.default.svc.cluster.local')) as Packet), RCODES.NXDOMAIN);
    assert.deepEqual(forwarder.asked, []);
  });

  it('asks the upstream once for identical questions in flight, then serves the cache', async () => {
    const { handler, forwarder } = setup();
    const first = handler.handle(query('example.test'));
    const second = handler.handle(query('EXAMPLE.test'));
    assert.deepEqual(forwarder.asked, ['example.test A']);
    forwarder.answerAll({ type: 'response', rcode: 'NOERROR', answers: [{ name: 'example.test', type: 'A', ttl: 60, data: '192.0.2.1' }] } as Packet);
    for (const res of await Promise.all([first, second])) {
      assert.equal(res.flags! & packet.AUTHORITATIVE_ANSWER, 0);
      assert.deepEqual(res.answers!.map((a) => (a as { data: string }).data), ['192.0.2.1']);
    }
    await handler.handle(query('example.test'));
    assert.equal(forwarder.asked.length, 1);
  });

  it('answers SERVFAIL when no upstream answered, and asks again next time', async () => {
    const { handler, forwarder } = setup();
    const res = handler.handle(query('down.test'));
    forwarder.answerAll(undefined);
    assert.equal(rcode(await res), RCODES.SERVFAIL);
    void handler.handle(query('down.test'));
    assert.equal(forwarder.asked.length, 2);
  });

  it('answers FORMERR without exactly one question and NOTIMP for opcodes other than QUERY', () => {
    const { handler } = setup();
    assert.equal(rcode(handler.handle({ type: 'query', id: 1, questions: [] }) as Packet), RCODES.FORMERR);
    const two = { type: 'query', id: 1, questions: [{ name: 'a.test', type: 'A' }, { name: 'b.test', type: 'A' }] } as Packet;
    assert.equal(rcode(handler.handle(two) as Packet), RCODES.FORMERR);
    const update = query('web.default.svc.cluster.local', 'A', 5 << 11);
    assert.equal(rcode(handler.handle(update) as Packet), RCODES.NOTIMP);
  });
});
