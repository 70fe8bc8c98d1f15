// kite-dns's Prometheus metrics, served on /metrics at --metrics-address (default :9153) as
// CoreDNS's prometheus plugin serves them with kubeadm's Corefile (`prometheus :9153`): the
// process's default metrics, coredns_dns_requests_total{server,zone,view,proto,family,type},
// coredns_dns_responses_total{server,zone,view,rcode,plugin},
// coredns_dns_request_duration_seconds{server,zone,view,type} (CoreDNS's buckets, 0.25 ms
// doubling to 8 s), and the cache plugin's coredns_cache_hits_total{server,type,zones,view}
// (type success or denial) and coredns_cache_misses_total{server,zones,view}. kite-dns serves one
// server block, CoreDNS's `.:53`: zone "." and an empty view on every series.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The query types CoreDNS counts by name; any other is "other". */
const MONITORED_TYPES = new Set(['A', 'AAAA', 'MX', 'SOA', 'CNAME', 'PTR', 'TXT', 'NS', 'SRV', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'IXFR', 'AXFR', 'ANY']);
/** Response codes by number (RFC 1035, 2136, 6895), as miekg/dns names them. */
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
/** CoreDNS's plugin.TimeBuckets: 0.00025 s doubling 16 times. */
const TIME_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
const ZONE = '.';
const VIEW = '';

/** Which part of kite-dns wrote a response: CoreDNS's plugin label. */
export type AnsweringPlugin = 'kubernetes' | 'cache' | 'forward' | '';

export function queryTypeLabel(type: string | undefined): string {
  return type && MONITORED_TYPES.has(type) ? type : 'other';
}

export function rcodeLabel(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

/** Per-query counts are plain numbers, handed to prom-client when scraped (its collect hook). */
export class DnsMetrics {
  readonly registry = new Registry();
  /** type -> counts by transport: udp/IPv4, udp/IPv6, tcp/IPv4, tcp/IPv6. */
  private readonly requests = new Map<string, number[]>();
  /** plugin -> counts by rcode. */
  private readonly responses = new Map<AnsweringPlugin, number[]>();
  private readonly hits = { success: 0, denial: 0 };
  private misses = 0;
  private readonly duration: Histogram;
  private readonly durations = new Map<string, { observe(v: number): void }>();
  private server = 'dns://:53';

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const self = this;
    new Counter({
      name: 'coredns_dns_requests_total',
      help: 'Counter of DNS requests made per zone, protocol and family.',
      labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'],
      registers,
      collect() {
        this.reset();
        for (const [type, counts] of self.requests) {
          counts.forEach((n, i) => n && this.inc({ server: self.server, zone: ZONE, view: VIEW, proto: i < 2 ? 'udp' : 'tcp', family: String((i % 2) + 1), type }, n));
        }
      },
    });
    new Counter({
      name: 'coredns_dns_responses_total',
      help: 'Counter of response status codes.',
      labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'],
      registers,
      collect() {
        this.reset();
        for (const [plugin, counts] of self.responses) counts.forEach((n, rcode) => n && this.inc({ server: self.server, zone: ZONE, view: VIEW, rcode: rcodeLabel(rcode), plugin }, n));
      },
    });
    this.duration = new Histogram({ name: 'coredns_dns_request_duration_seconds', help: 'Histogram of the time (in seconds) each request took per zone.', labelNames: ['server', 'zone', 'view', 'type'], buckets: TIME_BUCKETS, registers });
    new Counter({
      name: 'coredns_cache_hits_total',
      help: 'The count of cache hits.',
      labelNames: ['server', 'type', 'zones', 'view'],
      registers,
      collect() {
        this.reset();
        for (const type of ['success', 'denial'] as const) if (self.hits[type]) this.inc({ server: self.server, type, zones: ZONE, view: VIEW }, self.hits[type]);
      },
    });
    new Counter({
      name: 'coredns_cache_misses_total',
      help: 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.',
      labelNames: ['server', 'zones', 'view'],
      registers,
      collect() {
        this.reset();
        if (self.misses) this.inc({ server: self.server, zones: ZONE, view: VIEW }, self.misses);
      },
    });
  }

  /** The server label, CoreDNS's `dns://[<bind>]:<port>` of the listening address; set before serving. */
  setServer(host: string, port: number): void {
    const bind = host === '0.0.0.0' || host === '::' ? '' : host.includes(':') ? `[${host}]` : host;
    this.server = `dns://${bind}:${port}`;
  }

  /** One query answered: `family` 1 (IPv4) or 2 (IPv6), `seconds` from its arrival to its response. */
  served(proto: 'udp' | 'tcp', family: 1 | 2, qtype: string | undefined, rcode: number, plugin: AnsweringPlugin, seconds: number): void {
    const type = queryTypeLabel(qtype);
    let byTransport = this.requests.get(type);
    if (!byTransport) this.requests.set(type, (byTransport = [0, 0, 0, 0]));
    byTransport[(proto === 'tcp' ? 2 : 0) + family - 1]++;
    let byRcode = this.responses.get(plugin);
    if (!byRcode) this.responses.set(plugin, (byRcode = new Array<number>(16).fill(0)));
    byRcode[rcode]++;
    let d = this.durations.get(type);
    if (!d) this.durations.set(type, (d = this.duration.labels(this.server, ZONE, VIEW, type)));
    d.observe(seconds);
  }

  /** A forwarded question answered from the cache: `denial` for NXDOMAIN/NODATA. */
  cacheHit(denial: boolean): void {
    this.hits[denial ? 'denial' : 'success']++;
  }

  cacheMiss(): void {
    this.misses++;
  }
}
