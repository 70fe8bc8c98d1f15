// kite-dns against a real apiserver, asked over real sockets by Node's resolver (c-ares), by raw
// dns-packet queries and by dig when it is installed: Services appear and disappear, headless
// Services answer per endpoint, ExternalName follows its CNAME upstream, large answers are
// truncated over UDP and whole over TCP, other names are forwarded to an upstream on loopback
// and cached, a silent upstream gives SERVFAIL instead of a hang, and /metrics counts what was
// asked and answered as CoreDNS's prometheus and cache plugins do.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { setMaxListeners } from 'node:events';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import * as packet from 'dns-packet';
import type { Packet } from 'dns-packet';
import { Namespace, Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { runKiteDns, type KiteDnsOptions, type RunningDns } from '../../../services/kite-dns/app';
import { SERVICE_NAME_LABEL } from '../../../services/kite-dns/records';
import { frame, readFrames } from '../../../services/kite-dns/tcp-framing';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { FakeUpstream } from './fake-upstream';

const run = promisify(execFile);

async function hasDig(): Promise<boolean> {
  try {
    await run('dig', ['-v']);
    return true;
  } catch {
    return false;
  }
}

/** Node's resolver pointed at kite-dns only, one try, a timeout well past kite-dns's upstream deadline. */
function resolverFor(port: number): Resolver {
  const r = new Resolver({ timeout: 6_000, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  return r;
}

/** One raw query over UDP (optionally with an EDNS0 OPT record). */
function udpQuery(port: number, name: string, type: packet.RecordType, udpPayloadSize?: number): Promise<Packet & { rcode?: string }> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP answer for ${name}`));
    }, 6_000);
    s.on('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve(packet.decode(msg));
    });
    const additionals = udpPayloadSize ? [{ type: 'OPT', name: '.', udpPayloadSize, flags: 0 } as packet.Answer] : [];
    s.send(packet.encode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], additionals }), port, '127.0.0.1');
  });
}

/** Several queries on one TCP connection, written at once; the responses by id. */
function tcpQueries(port: number, questions: { name: string; type: packet.RecordType }[]): Promise<Map<number, Packet & { rcode?: string }>> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const got = new Map<number, Packet & { rcode?: string }>();
    sock.on('error', reject);
    readFrames(sock, (msg) => {
      const p = packet.decode(msg);
      got.set(p.id!, p);
      if (got.size === questions.length) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.write(Buffer.concat(questions.map((q, i) => frame(packet.encode({ type: 'query', id: i + 1, flags: packet.RECURSION_DESIRED, questions: [{ ...q, class: 'IN' }] })))));
  });
}

describe('kite-dns against a real apiserver', function () {
  this.timeout(60_000);
  const ac = new AbortController();
  // Three servers, each with its informers, stop on this one signal.
  setMaxListeners(50, ac.signal);
  let api: TestApiserver;
  let dns: RunningDns;
  let silentDns: RunningDns;
  let verifiedDns: RunningDns;
  let upstream: FakeUpstream;
  let silent: FakeUpstream;
  let ns: string;
  let resolver: Resolver;

  const options = (over: Partial<KiteDnsOptions>): KiteDnsOptions => ({
    clusterDomain: 'cluster.local',
    listenHost: '127.0.0.1',
    listenPort: 0,
    upstreams: [],
    ttl: 5,
    podMode: 'insecure',
    upstreamTimeoutMs: 2_000,
    healthListen: { host: '127.0.0.1', port: 0 },
    readyListen: { host: '127.0.0.1', port: 0 },
    ...over,
  });

  before(async () => {
    api = await startTestApiserver();
    upstream = await new FakeUpstream({
      records: {
        'example.test': [{ name: 'example.test', type: 'A', ttl: 60, data: '192.0.2.10' }],
        'db.example.test': [{ name: 'db.example.test', type: 'A', ttl: 60, data: '192.0.2.20' }],
      },
    }).start();
    silent = await new FakeUpstream({ silent: true }).start();
    dns = await runKiteDns(api.client(), options({ upstreams: [{ host: '127.0.0.1', port: upstream.port }], metricsListen: { host: '127.0.0.1', port: 0 } }), ac.signal);
    silentDns = await runKiteDns(api.client(), options({ upstreams: [{ host: '127.0.0.1', port: silent.port }] }), ac.signal);
    verifiedDns = await runKiteDns(api.client(), options({ upstreams: [{ host: '127.0.0.1', port: upstream.port }], podMode: 'verified' }), ac.signal);
    resolver = resolverFor(dns.port);
    ns = uniqueName('dns');
    await api.client().namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  after(async () => {
    ac.abort();
    await dns?.done;
    await silentDns?.done;
    await verifiedDns?.done;
    await upstream?.stop();
    await silent?.stop();
    await api?.stop();
  });

  it('reports ready on /ready and alive on /health once its caches synced', async () => {
    const ready = await fetch(`http://127.0.0.1:${dns.readyPort}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'OK');
    assert.equal((await fetch(`http://127.0.0.1:${dns.healthPort}/health`)).status, 200);
  });

  it('resolves a new Service by name, SRV and PTR, and forgets it once deleted (NXDOMAIN)', async () => {
    const c = api.client();
    const svc = await c.services.create(Service.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } }), { namespace: ns });
    const ip = svc.spec!.clusterIP;
    const name = `web.${ns}.svc.cluster.local`;
    const got = await waitFor('the new Service resolves', async () => resolver.resolve4(name, { ttl: true }).catch(() => undefined));
    assert.deepEqual(got, [{ address: ip, ttl: 5 }]);
    assert.deepEqual(await resolver.resolveSrv(`_http._tcp.${name}`), [{ name, port: 80, priority: 0, weight: 100 }]);
    assert.deepEqual(await resolver.reverse(ip), [name]);
    await assert.rejects(resolver.resolve6(name), { code: 'ENODATA' });

    await c.services.delete('web', { namespace: ns });
    await waitFor('the deleted Service is gone', async () => resolver.resolve4(name).then(() => false, (err: NodeJS.ErrnoException) => err.code === 'ENOTFOUND'));
    const raw = await udpQuery(dns.port, name, 'A');
    assert.equal(raw.rcode, 'NXDOMAIN');
    assert.deepEqual(raw.authorities!.map((r) => `${r.name} ${r.type}`), ['cluster.local SOA']);
    assert.ok((raw.flags ?? 0) & packet.AUTHORITATIVE_ANSWER);
  });

  it('answers a headless Service from its EndpointSlices: every ready endpoint, per-hostname names and SRV', async () => {
    const c = api.client();
    await c.services.create(Service.fromPartial({ metadata: { name: 'pg', namespace: ns }, spec: { clusterIP: 'None', ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }] } }), { namespace: ns });
    await c.endpointSlices.create(
      EndpointSlice.fromPartial({
        metadata: { name: 'pg-abcde', namespace: ns, labels: { [SERVICE_NAME_LABEL]: 'pg' } },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.244.1.5'], hostname: 'pg-0', conditions: { ready: true } },
          { addresses: ['10.244.2.6'], hostname: 'pg-1', conditions: { ready: true } },
          { addresses: ['10.244.3.7'], hostname: 'pg-2', conditions: { ready: false } },
        ],
        ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }],
      }),
      { namespace: ns },
    );
    const name = `pg.${ns}.svc.cluster.local`;
    const all = await waitFor('both ready endpoints resolve', async () => {
      const a = await resolver.resolve4(name).catch(() => []);
      return a.length === 2 ? a.sort() : undefined;
    });
    assert.deepEqual(all, ['10.244.1.5', '10.244.2.6']);
    assert.deepEqual(await resolver.resolve4(`pg-1.${name}`), ['10.244.2.6']);
    await assert.rejects(resolver.resolve4(`pg-2.${name}`), { code: 'ENOTFOUND' });
    const srv = (await resolver.resolveSrv(`_sql._tcp.${name}`)).map((r) => `${r.name}:${r.port}`).sort();
    assert.deepEqual(srv, [`pg-0.${name}:5432`, `pg-1.${name}:5432`]);
    assert.deepEqual(await resolver.reverse('10.244.1.5'), [`pg-0.${name}`]);
  });

  it('answers an ExternalName Service with its CNAME and the target\'s address from upstream', async () => {
    await api.client().services.create(Service.fromPartial({ metadata: { name: 'ext', namespace: ns }, spec: { type: 'ExternalName', externalName: 'db.example.test' } }), { namespace: ns });
    const name = `ext.${ns}.svc.cluster.local`;
    assert.deepEqual(await waitFor('the CNAME', async () => resolver.resolveCname(name).catch(() => undefined)), ['db.example.test']);
    assert.deepEqual(await resolver.resolve4(name), ['192.0.2.20']);
  });

  it('answers pod records for an existing namespace', async () => {
    assert.deepEqual(await resolver.resolve4(`10-244-9-9.${ns}.pod.cluster.local`), ['10.244.9.9']);
    await assert.rejects(resolver.resolve4('10-244-9-9.no-such-ns.pod.cluster.local'), { code: 'ENOTFOUND' });
  });

  it('answers pod records in verified mode only for an IP a pod in that namespace has', async () => {
    const c = api.client();
    const pod = await c.pods.create(Pod.fromPartial({ metadata: { name: 'p', namespace: ns }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } }), { namespace: ns });
    pod.status = { ...pod.status!, phase: 'Running', podIP: '10.244.8.8', podIPs: [{ ip: '10.244.8.8' }] };
    await c.pods.updateStatus(pod);
    const verified = resolverFor(verifiedDns.port);
    assert.deepEqual(await waitFor('the pod IP resolves', async () => verified.resolve4(`10-244-8-8.${ns}.pod.cluster.local`).catch(() => undefined)), ['10.244.8.8']);
    await assert.rejects(verified.resolve4(`10-244-9-9.${ns}.pod.cluster.local`), { code: 'ENOTFOUND' });
  });

  it('truncates a large answer over UDP (TC, no records) and gives it whole over TCP, which the resolver retries on', async () => {
    const c = api.client();
    const ips = Array.from({ length: 100 }, (_, i) => `10.245.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    await c.services.create(Service.fromPartial({ metadata: { name: 'big', namespace: ns }, spec: { clusterIP: 'None' } }), { namespace: ns });
    await c.endpointSlices.create(
      EndpointSlice.fromPartial({
        metadata: { name: 'big-1', namespace: ns, labels: { [SERVICE_NAME_LABEL]: 'big' } },
        addressType: 'IPv4',
        endpoints: ips.map((ip) => ({ addresses: [ip] })),
      }),
      { namespace: ns },
    );
    const name = `big.${ns}.svc.cluster.local`;
    await waitFor('the endpoints are published', async () => (await tcpQueries(dns.port, [{ name, type: 'A' }])).get(1)!.answers!.length === 100);

    const plain = await udpQuery(dns.port, name, 'A');
    assert.ok((plain.flags ?? 0) & packet.TRUNCATED_RESPONSE, 'TC over plain UDP (512 bytes)');
    assert.deepEqual(plain.answers, []);
    const edns = await udpQuery(dns.port, name, 'A', 1232);
    assert.ok((edns.flags ?? 0) & packet.TRUNCATED_RESPONSE, 'TC past the EDNS0 size too (100 A records are ~1.6 KB)');
    const small = await udpQuery(dns.port, `web-x.${ns}.svc.cluster.local`, 'A', 1232);
    assert.equal(small.flags! & packet.TRUNCATED_RESPONSE, 0);
    assert.ok(small.additionals!.some((r) => r.type === 'OPT'), 'an EDNS0 query gets an OPT record back');

    const overTcp = await tcpQueries(dns.port, [
      { name, type: 'A' },
      { name: `pg.${ns}.svc.cluster.local`, type: 'A' },
      { name: 'example.test', type: 'A' },
    ]);
    assert.equal(overTcp.get(1)!.answers!.length, 100);
    assert.equal(overTcp.get(2)!.answers!.length, 2);
    assert.deepEqual(overTcp.get(3)!.answers!.map((r) => (r as { data: string }).data), ['192.0.2.10']);
    assert.deepEqual((await resolver.resolve4(name)).sort(), [...ips].sort());
  });

  it('forwards other names upstream and caches the answers, negative ones too', async () => {
    const before = upstream.count('example.test', 'A');
    assert.deepEqual(await resolver.resolve4('example.test'), ['192.0.2.10']);
    assert.deepEqual(await resolver.resolve4('example.test'), ['192.0.2.10']);
    assert.ok(upstream.count('example.test', 'A') <= before + 1, 'asked upstream at most once');
    await assert.rejects(resolver.resolve4('missing.example.test'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('missing.example.test'), { code: 'ENOTFOUND' });
    assert.equal(upstream.count('missing.example.test', 'A'), 1);
    const raw = await udpQuery(dns.port, 'missing.example.test', 'A');
    assert.equal(raw.rcode, 'NXDOMAIN');
    assert.equal(raw.flags! & packet.AUTHORITATIVE_ANSWER, 0, 'a forwarded answer is not authoritative');
  });

  it('answers SERVFAIL when the upstream never answers, before the client gives up', async () => {
    const r = resolverFor(silentDns.port);
    await assert.rejects(r.resolve4('silent.example.test'), { code: 'ESERVFAIL' });
    assert.equal(silent.count('silent.example.test', 'A'), 1);
    const raw = await udpQuery(silentDns.port, 'other.example.test', 'A');
    assert.equal(raw.rcode, 'SERVFAIL');
    assert.equal(raw.id, 4242);
  });

  it('answers dig over UDP and TCP, and dig sees the truncation', async function () {
    if (!(await hasDig())) this.skip();
    const dig = async (...args: string[]) => (await run('dig', ['@127.0.0.1', '-p', String(dns.port), '+tries=1', '+time=5', ...args])).stdout;
    assert.equal((await dig('+short', `pg-0.pg.${ns}.svc.cluster.local`)).trim(), '10.244.1.5');
    assert.equal((await dig('+short', '+tcp', `pg-0.pg.${ns}.svc.cluster.local`)).trim(), '10.244.1.5');
    assert.match(await dig(`nope.${ns}.svc.cluster.local`), /status: NXDOMAIN/);
    assert.match(await dig('+noedns', '+ignore', `big.${ns}.svc.cluster.local`), /flags: qr aa tc rd ra;/);
    assert.equal((await dig('+short', `big.${ns}.svc.cluster.local`)).trim().split('\n').length, 100);
  });

  it('serves Prometheus metrics: requests by protocol and type, responses by rcode and plugin, durations, cache hits and misses', async () => {
    /** The value of the series `name{labels}` (labels in the order prom-client prints them), 0 when absent. */
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${dns.metricsPort}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      return (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1] ?? 0);
    };
    const server = `server="dns://127.0.0.1:${dns.port}",zone=".",view=""`;
    const before = await scrape();
    const unknown = `metrics-${uniqueName('m')}.example.test`;
    assert.equal((await udpQuery(dns.port, `web-x.${ns}.svc.cluster.local`, 'A')).rcode, 'NXDOMAIN');
    assert.equal((await udpQuery(dns.port, unknown, 'A')).rcode, 'NXDOMAIN');
    assert.equal((await udpQuery(dns.port, unknown, 'A')).rcode, 'NXDOMAIN');
    assert.equal((await tcpQueries(dns.port, [{ name: 'dns-version.cluster.local', type: 'TXT' }])).get(1)!.rcode, 'NOERROR');
    const after = await scrape();
    const delta = (series: string) => after(series) - before(series);

    assert.equal(delta(`coredns_dns_requests_total{${server},proto="udp",family="1",type="A"}`), 3);
    assert.equal(delta(`coredns_dns_requests_total{${server},proto="tcp",family="1",type="TXT"}`), 1);
    assert.equal(delta(`coredns_dns_responses_total{${server},rcode="NXDOMAIN",plugin="kubernetes"}`), 1);
    assert.equal(delta(`coredns_dns_responses_total{${server},rcode="NXDOMAIN",plugin="forward"}`), 1);
    assert.equal(delta(`coredns_dns_responses_total{${server},rcode="NXDOMAIN",plugin="cache"}`), 1);
    assert.equal(delta(`coredns_dns_responses_total{${server},rcode="NOERROR",plugin="kubernetes"}`), 1);
    assert.equal(delta(`coredns_dns_request_duration_seconds_count{${server},type="A"}`), 3);
    assert.equal(delta(`coredns_dns_request_duration_seconds_bucket{le="+Inf",${server},type="A"}`), 3);
    assert.equal(delta(`coredns_cache_misses_total{server="dns://127.0.0.1:${dns.port}",zones=".",view=""}`), 1);
    assert.equal(delta(`coredns_cache_hits_total{server="dns://127.0.0.1:${dns.port}",type="denial",zones=".",view=""}`), 1);
    assert.ok(after('process_cpu_seconds_total') > 0, 'the process metrics are there too');
  });
});
