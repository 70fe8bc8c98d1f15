// The records of one Service as Kubernetes' DNS specification and CoreDNS's kubernetes plugin
// name them: ClusterIP, headless (hostnames, readiness, publishNotReadyAddresses), SRV, PTR,
// ExternalName.
import { strict as assert } from 'node:assert';
import type { Answer } from 'dns-packet';
import { dashedIP, reverseName, serviceRecords, undashIP } from '../../../services/kite-dns/records';
import { service, slice } from './fixtures';

/** Records as "name TYPE data" lines, sorted. */
function lines(records: Answer[]): string[] {
  return records
    .map((r) => {
      const d = (r as { data: unknown }).data;
      const data = r.type === 'SRV' ? `${(d as { priority: number }).priority} ${(d as { weight: number }).weight} ${(d as { port: number }).port} ${(d as { target: string }).target}` : String(d);
      return `${r.name} ${r.type} ${data}`;
    })
    .sort();
}

describe('kite-dns records', () => {
  it('gives a ClusterIP Service an A record, a PTR and SRV per named port (TTL as configured)', () => {
    const svc = service('prod', 'web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { port: 9000 }] });
    const records = serviceRecords(svc, [], 'cluster.local', 5);
    assert.deepEqual(lines(records), [
      '10.0.96.10.in-addr.arpa PTR web.prod.svc.cluster.local',
      '_dns._udp.web.prod.svc.cluster.local SRV 0 100 53 web.prod.svc.cluster.local',
      '_http._tcp.web.prod.svc.cluster.local SRV 0 100 80 web.prod.svc.cluster.local',
      'web.prod.svc.cluster.local A 10.96.0.10',
    ]);
    assert.ok(records.every((r) => (r as { ttl: number }).ttl === 5));
  });

  it('answers a dual-stack Service with A and AAAA, and its IPv6 PTR in ip6.arpa', () => {
    const svc = service('default', 'ds', { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11', 'fd00::b'] });
    assert.deepEqual(lines(serviceRecords(svc, [], 'cluster.local', 5)), [
      '11.0.96.10.in-addr.arpa PTR ds.default.svc.cluster.local',
      'b.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa PTR ds.default.svc.cluster.local',
      'ds.default.svc.cluster.local A 10.96.0.11',
      'ds.default.svc.cluster.local AAAA fd00::b',
    ]);
  });

  it('gives a Service without an allocated ClusterIP no records', () => {
    assert.deepEqual(serviceRecords(service('default', 'pending', { ports: [{ name: 'http', port: 80 }] }), [], 'cluster.local', 5), []);
  });

  it('answers a headless Service with its ready endpoints, per-endpoint names (hostname or dashed IP), SRV to each and PTRs', () => {
    const svc = service('db', 'pg', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'sql', port: 5432 }] });
    const slices = [
      slice('db', 'pg', 'pg-a', [{ ip: '10.244.1.5', hostname: 'pg-0' }, { ip: '10.244.2.6', ready: false, hostname: 'pg-1' }], [{ name: 'sql', port: 5432 }]),
      slice('db', 'pg', 'pg-b', [{ ip: '10.244.3.7', ready: true }], [{ name: 'sql', port: 5432 }]),
    ];
    assert.deepEqual(lines(serviceRecords(svc, slices, 'cluster.local', 5)), [
      '10-244-3-7.pg.db.svc.cluster.local A 10.244.3.7',
      '5.1.244.10.in-addr.arpa PTR pg-0.pg.db.svc.cluster.local',
      '7.3.244.10.in-addr.arpa PTR 10-244-3-7.pg.db.svc.cluster.local',
      '_sql._tcp.pg.db.svc.cluster.local SRV 0 50 5432 10-244-3-7.pg.db.svc.cluster.local',
      '_sql._tcp.pg.db.svc.cluster.local SRV 0 50 5432 pg-0.pg.db.svc.cluster.local',
      'pg-0.pg.db.svc.cluster.local A 10.244.1.5',
      'pg.db.svc.cluster.local A 10.244.1.5',
      'pg.db.svc.cluster.local A 10.244.3.7',
    ]);
  });

  it('publishes not-ready endpoints of a headless Service with publishNotReadyAddresses', () => {
    const svc = service('db', 'pg', { clusterIP: 'None', clusterIPs: ['None'], publishNotReadyAddresses: true });
    const records = serviceRecords(svc, [slice('db', 'pg', 'pg-a', [{ ip: '10.244.2.6', ready: false, hostname: 'pg-1' }])], 'cluster.local', 5);
    assert.deepEqual(lines(records).filter((l) => l.includes(' A ')), ['pg-1.pg.db.svc.cluster.local A 10.244.2.6', 'pg.db.svc.cluster.local A 10.244.2.6']);
  });

  it('answers an address listed in two slices of one Service once', () => {
    const svc = service('db', 'pg', { clusterIP: 'None', clusterIPs: ['None'] });
    const slices = [slice('db', 'pg', 'a', [{ ip: '10.244.1.5' }]), slice('db', 'pg', 'b', [{ ip: '10.244.1.5' }])];
    assert.deepEqual(lines(serviceRecords(svc, slices, 'cluster.local', 5)), [
      '10-244-1-5.pg.db.svc.cluster.local A 10.244.1.5',
      '5.1.244.10.in-addr.arpa PTR 10-244-1-5.pg.db.svc.cluster.local',
      'pg.db.svc.cluster.local A 10.244.1.5',
    ]);
  });

  it('gives an ExternalName Service a CNAME to spec.externalName (lower-cased, no trailing dot) and nothing else', () => {
    const svc = service('default', 'ext', { type: 'ExternalName', externalName: 'Example.COM.', ports: [{ name: 'http', port: 80 }] });
    assert.deepEqual(lines(serviceRecords(svc, [], 'cluster.local', 5)), ['ext.default.svc.cluster.local CNAME example.com']);
  });

  it('names IPs as DNS labels both ways and reverses them', () => {
    assert.equal(dashedIP('10.244.1.5'), '10-244-1-5');
    assert.equal(dashedIP('fd00::1'), 'fd00--1');
    assert.equal(undashIP('10-244-1-5'), '10.244.1.5');
    assert.equal(undashIP('fd00--1'), 'fd00::1');
    assert.equal(undashIP('web'), undefined);
    assert.equal(undashIP('10-244-1'), undefined);
    assert.equal(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
    assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });
});
