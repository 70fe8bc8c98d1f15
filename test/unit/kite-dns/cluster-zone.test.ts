// The answers of the cluster zone: records from the store, NXDOMAIN and NODATA with the SOA,
// empty non-terminals, pod records in each pod mode, CNAME following, reverse names, and the
// store's bookkeeping when a Service's records are replaced or removed.
import { strict as assert } from 'node:assert';
import type { Answer } from 'dns-packet';
import { ClusterZone, type ClusterZoneOptions } from '../../../services/kite-dns/cluster-zone';
import { RecordStore } from '../../../services/kite-dns/record-store';
import { serviceRecords } from '../../../services/kite-dns/records';
import { service, slice } from './fixtures';

function zoneWith(opts: Partial<ClusterZoneOptions> = {}): { zone: ClusterZone; store: RecordStore } {
  const store = new RecordStore(['cluster.local']);
  const zone = new ClusterZone(store, {
    domain: 'cluster.local',
    ttl: 5,
    podMode: 'insecure',
    namespaceExists: (ns) => ['default', 'prod'].includes(ns),
    podHasIP: (ns, ip) => ns === 'prod' && ip === '10.244.1.9',
    ...opts,
  });
  const web = service('prod', 'web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  store.replace('service/prod/web', serviceRecords(web, [], 'cluster.local', 5));
  const pg = service('prod', 'pg', { clusterIP: 'None', clusterIPs: ['None'] });
  store.replace('service/prod/pg', serviceRecords(pg, [slice('prod', 'pg', 'pg-a', [{ ip: '10.244.1.5', hostname: 'pg-0' }], [{ name: 'sql', port: 5432 }])], 'cluster.local', 5));
  const ext = service('prod', 'ext', { type: 'ExternalName', externalName: 'db.example.com' });
  store.replace('service/prod/ext', serviceRecords(ext, [], 'cluster.local', 5));
  const alias = service('prod', 'alias', { type: 'ExternalName', externalName: 'web.prod.svc.cluster.local' });
  store.replace('service/prod/alias', serviceRecords(alias, [], 'cluster.local', 5));
  return { zone, store };
}

const data = (records: Answer[]) => records.map((r) => `${r.type} ${JSON.stringify((r as { data: unknown }).data)}`);

describe('kite-dns cluster zone', () => {
  it('serves the domain it is given (--cluster-domain): its names and SOA; cluster.local is then not its own', () => {
    const store = new RecordStore(['kite.internal']);
    const zone = new ClusterZone(store, { domain: 'kite.internal', ttl: 5, podMode: 'insecure', namespaceExists: (ns) => ns === 'prod', podHasIP: () => false });
    store.replace('service/prod/web', serviceRecords(service('prod', 'web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] }), [], 'kite.internal', 5));
    assert.deepEqual(data(zone.answer('web.prod.svc.kite.internal', 'A')!.answers), ['A "10.96.0.10"']);
    assert.deepEqual(data(zone.answer('10-244-1-2.prod.pod.kite.internal', 'A')!.answers), ['A "10.244.1.2"']);
    const missing = zone.answer('nope.prod.svc.kite.internal', 'A')!;
    assert.equal(missing.rcode, 'NXDOMAIN');
    assert.deepEqual(missing.authority.map((r) => `${r.name} ${r.type}`), ['kite.internal SOA']);
    assert.equal(zone.answer('web.prod.svc.cluster.local', 'A'), undefined, 'forwarded upstream');
  });

  it('answers a Service name case-insensitively, with or without the trailing dot, authoritatively', () => {
    const { zone } = zoneWith();
    for (const name of ['web.prod.svc.cluster.local', 'WEB.Prod.svc.cluster.local.']) {
      const a = zone.answer(name, 'A')!;
      assert.equal(a.rcode, 'NOERROR');
      assert.deepEqual(data(a.answers), ['A "10.96.0.10"']);
    }
  });

  it('is NXDOMAIN with the SOA for an unknown name in the domain, NODATA with the SOA for a known name of another type', () => {
    const { zone } = zoneWith();
    const nx = zone.answer('nope.prod.svc.cluster.local', 'A')!;
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.deepEqual(nx.answers, []);
    assert.deepEqual(nx.authority.map((r) => `${r.name} ${r.type}`), ['cluster.local SOA']);
    const nodata = zone.answer('web.prod.svc.cluster.local', 'AAAA')!;
    assert.equal(nodata.rcode, 'NOERROR');
    assert.deepEqual(nodata.answers, []);
    assert.deepEqual(nodata.authority.map((r) => r.type), ['SOA']);
  });

  it('treats the names above records and existing namespaces as names without records (NODATA)', () => {
    const { zone } = zoneWith();
    for (const name of ['svc.cluster.local', 'prod.svc.cluster.local', '_tcp.web.prod.svc.cluster.local', 'default.svc.cluster.local', 'default.pod.cluster.local']) {
      assert.equal(zone.answer(name, 'A')!.rcode, 'NOERROR', name);
    }
    assert.equal(zone.answer('nosuchns.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  });

  it('answers SRV with the targets\' addresses in the additional section', () => {
    const { zone } = zoneWith();
    const a = zone.answer('_sql._tcp.pg.prod.svc.cluster.local', 'SRV')!;
    assert.deepEqual(data(a.answers), ['SRV {"priority":0,"weight":100,"port":5432,"target":"pg-0.pg.prod.svc.cluster.local"}']);
    assert.deepEqual(data(a.additionals), ['A "10.244.1.5"']);
    assert.deepEqual(data(zone.answer('pg-0.pg.prod.svc.cluster.local', 'A')!.answers), ['A "10.244.1.5"']);
  });

  it('answers an ExternalName with its CNAME, left to chase outside the domain and followed inside it', () => {
    const { zone } = zoneWith();
    const ext = zone.answer('ext.prod.svc.cluster.local', 'A')!;
    assert.deepEqual(data(ext.answers), ['CNAME "db.example.com"']);
    assert.equal(ext.chase, 'db.example.com');
    const alias = zone.answer('alias.prod.svc.cluster.local', 'A')!;
    assert.deepEqual(data(alias.answers), ['CNAME "web.prod.svc.cluster.local"', 'A "10.96.0.10"']);
    assert.equal(alias.chase, undefined);
    assert.deepEqual(data(zone.answer('ext.prod.svc.cluster.local', 'CNAME')!.answers), ['CNAME "db.example.com"']);
  });

  it('answers PTR for ClusterIPs and headless endpoints, and leaves other reverse names and outside names to the upstreams', () => {
    const { zone } = zoneWith();
    assert.deepEqual(data(zone.answer('10.0.96.10.in-addr.arpa', 'PTR')!.answers), ['PTR "web.prod.svc.cluster.local"']);
    assert.deepEqual(data(zone.answer('5.1.244.10.in-addr.arpa.', 'PTR')!.answers), ['PTR "pg-0.pg.prod.svc.cluster.local"']);
    assert.equal(zone.answer('1.2.0.192.in-addr.arpa', 'PTR'), undefined);
    assert.equal(zone.answer('example.com', 'A'), undefined);
  });

  it('answers pod names in insecure mode for existing namespaces only', () => {
    const { zone } = zoneWith();
    assert.deepEqual(data(zone.answer('10-244-7-7.default.pod.cluster.local', 'A')!.answers), ['A "10.244.7.7"']);
    assert.deepEqual(data(zone.answer('fd00--7.default.pod.cluster.local', 'AAAA')!.answers), ['AAAA "fd00::7"']);
    assert.equal(zone.answer('10-244-7-7.default.pod.cluster.local', 'AAAA')!.rcode, 'NOERROR');
    assert.equal(zone.answer('10-244-7-7.nosuchns.pod.cluster.local', 'A')!.rcode, 'NXDOMAIN');
    assert.equal(zone.answer('not-an-ip.default.pod.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  });

  it('answers pod names in verified mode only for a pod with that IP, and never when disabled', () => {
    const verified = zoneWith({ podMode: 'verified' }).zone;
    assert.deepEqual(data(verified.answer('10-244-1-9.prod.pod.cluster.local', 'A')!.answers), ['A "10.244.1.9"']);
    assert.equal(verified.answer('10-244-7-7.prod.pod.cluster.local', 'A')!.rcode, 'NXDOMAIN');
    const disabled = zoneWith({ podMode: 'disabled' }).zone;
    assert.equal(disabled.answer('10-244-1-9.prod.pod.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  });

  it('answers the zone apex SOA and the dns-version TXT of the schema', () => {
    const { zone } = zoneWith();
    assert.deepEqual(zone.answer('cluster.local', 'SOA')!.answers.map((r) => r.type), ['SOA']);
    assert.deepEqual(data(zone.answer('dns-version.cluster.local', 'TXT')!.answers), ['TXT "1.1.0"']);
  });

  it('forgets a removed Service\'s names and the empty names above them, and keeps names other Services still hold', () => {
    const { zone, store } = zoneWith();
    store.replace('service/prod/web', []);
    assert.equal(zone.answer('web.prod.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
    assert.equal(zone.answer('_tcp.web.prod.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
    assert.equal(zone.answer('10.0.96.10.in-addr.arpa', 'PTR'), undefined);
    assert.equal(zone.answer('pg.prod.svc.cluster.local', 'A')!.rcode, 'NOERROR');
    store.replace('service/prod/pg', []);
    store.replace('service/prod/ext', []);
    store.replace('service/prod/alias', []);
    assert.equal(store.has('prod.svc.cluster.local'), false);
    assert.equal(store.size, 1, 'only dns-version is left');
  });

  it('answers SERVFAIL for names in the domain until the informers synced, and leaves reverse names to the upstreams', () => {
    let synced = false;
    const { zone } = zoneWith({ synced: () => synced });
    assert.equal(zone.answer('web.prod.svc.cluster.local', 'A')!.rcode, 'SERVFAIL');
    assert.equal(zone.answer('nope.prod.svc.cluster.local', 'A')!.rcode, 'SERVFAIL');
    synced = true;
    assert.equal(zone.answer('web.prod.svc.cluster.local', 'A')!.rcode, 'NOERROR');
    assert.equal(zone.answer('nope.prod.svc.cluster.local', 'A')!.rcode, 'NXDOMAIN');
  });

  it('keeps a PTR two Services share until both are gone', () => {
    const { zone, store } = zoneWith();
    const other = service('default', 'pg2', { clusterIP: 'None', clusterIPs: ['None'] });
    store.replace('service/default/pg2', serviceRecords(other, [slice('default', 'pg2', 'x', [{ ip: '10.244.1.5' }])], 'cluster.local', 5));
    assert.equal(zone.answer('5.1.244.10.in-addr.arpa', 'PTR')!.answers.length, 2);
    store.replace('service/prod/pg', []);
    assert.deepEqual(data(zone.answer('5.1.244.10.in-addr.arpa', 'PTR')!.answers), ['PTR "10-244-1-5.pg2.default.svc.cluster.local"']);
  });
});
