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

interface Inc {
  inc(): void;
}

export class DnsMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly responses: Counter;
  private readonly duration: Histogram;
  private readonly cacheHits: Counter;
  private readonly cacheMisses: Counter;
  /** Label children by their label values: the answer path looks one up per query. */
  private readonly children = new Map<string, Inc>();
  private readonly durations = new Map<string, { observe(v: number): void }>();
  private server = 'dns://:53';

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.requests = new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone, protocol and family.', labelNames: ['server', 'zone', 'view', 'proto', 'family', 'type'], registers });
    this.responses = new Counter({ name: 'coredns_dns_responses_total', help: 'Counter of response status codes.', labelNames: ['server', 'zone', 'view', 'rcode', 'plugin'], registers });
    this.duration = new Histogram({ name: 'coredns_dns_request_duration_seconds', help: 'Histogram of the time (in seconds) each request took per zone.', labelNames: ['server', 'zone', 'view', 'type'], buckets: TIME_BUCKETS, registers });
    this.cacheHits = new Counter({ name: 'coredns_cache_hits_total', help: 'The count of cache hits.', labelNames: ['server', 'type', 'zones', 'view'], registers });
    this.cacheMisses = new Counter({ name: 'coredns_cache_misses_total', help: 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', labelNames: ['server', 'zones', 'view'], registers });
  }

  /** The server label, CoreDNS's `dns://[<bind>]:<port>` of the listening address. */
  setServer(host: string, port: number): void {
    const bind = host === '0.0.0.0' || host === '::' ? '' : host.includes(':') ? `[${host}]` : host;
    this.server = `dns://${bind}:${port}`;
  }

  /** One query answered: `family` 1 (IPv4) or 2 (IPv6), `seconds` from its arrival to its response. */
  served(proto: 'udp' | 'tcp', family: 1 | 2, qtype: string | undefined, rcode: number, plugin: AnsweringPlugin, seconds: number): void {
    const type = queryTypeLabel(qtype);
    this.child(`q|${proto}|${family}|${type}`, () => this.requests.labels(this.server, ZONE, VIEW, proto, String(family), type)).inc();
    this.child(`r|${rcode}|${plugin}`, () => this.responses.labels(this.server, ZONE, VIEW, rcodeLabel(rcode), plugin)).inc();
    let d = this.durations.get(type);
    if (!d) this.durations.set(type, (d = this.duration.labels(this.server, ZONE, VIEW, type)));
    d.observe(seconds);
  }

  /** A forwarded question answered from the cache: `denial` for NXDOMAIN/NODATA. */
  cacheHit(denial: boolean): void {
    const type = denial ? 'denial' : 'success';
    this.child(`h|${type}`, () => this.cacheHits.labels(this.server, type, ZONE, VIEW)).inc();
  }

  cacheMiss(): void {
    this.child('m', () => this.cacheMisses.labels(this.server, ZONE, VIEW)).inc();
  }

  private child(key: string, make: () => Inc): Inc {
    let c = this.children.get(key);
    if (!c) this.children.set(key, (c = make()));
    return c;
  }
}
