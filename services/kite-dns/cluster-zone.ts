// Answers for the names kite-dns is authoritative for, as CoreDNS's kubernetes plugin answers
// them: the cluster domain (Services from the record store, `<a-b-c-d>.<ns>.pod.<domain>` pod
// records, dns-version) and the PTR records of ClusterIPs and headless endpoints. An unknown name
// in the domain is NXDOMAIN, a known name asked for another type NODATA, both with the zone's SOA
// in the authority section (RFC 2308). A reverse name no Service owns is not ours (undefined):
// it goes upstream, as the default Corefile's `fallthrough in-addr.arpa ip6.arpa`. Until the
// informers have synced, names in the domain are SERVFAIL (CoreDNS's kubernetes plugin), never a
// premature NXDOMAIN that clients would cache.
import type { Answer, SrvAnswer } from 'dns-packet';
import { canonicalName, undashIP } from './records';
import type { RecordStore } from './record-store';

/** The schema version of Kubernetes' DNS specification this server follows (its dns-version TXT). */
export const DNS_SCHEMA_VERSION = '1.1.0';

/** CoreDNS's `pods` modes: disabled, insecure (any IP of an existing namespace), verified (a pod has that IP). */
export type PodMode = 'disabled' | 'insecure' | 'verified';

export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  answers: Answer[];
  authority: Answer[];
  additionals: Answer[];
  /** A CNAME's target outside the domain, whose records the server appends (CoreDNS's upstream lookup). */
  chase?: string;
}

export interface ClusterZoneOptions {
  domain: string;
  ttl: number;
  podMode: PodMode;
  /** Whether a namespace exists (insecure pod records need one). */
  namespaceExists: (ns: string) => boolean;
  /** Whether a pod in `ns` has `ip` (verified pod records). */
  podHasIP: (ns: string, ip: string) => boolean;
  /** Whether the informers have synced (default: always). */
  synced?: () => boolean;
}

export class ClusterZone {
  readonly domain: string;
  private readonly suffix: string;
  private readonly podSuffix: string;
  private readonly soa: Answer;

  constructor(
    private readonly store: RecordStore,
    private readonly opts: ClusterZoneOptions,
  ) {
    this.domain = canonicalName(opts.domain);
    this.suffix = `.${this.domain}`;
    this.podSuffix = `.pod.${this.domain}`;
    this.soa = {
      name: this.domain,
      type: 'SOA',
      class: 'IN',
      ttl: opts.ttl,
      data: {
        mname: `ns.dns.${this.domain}`,
        rname: `hostmaster.${this.domain}`,
        serial: Math.floor(Date.now() / 1000),
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: opts.ttl,
      },
    };
    store.replace('dns-version', [{ name: `dns-version.${this.domain}`, type: 'TXT', class: 'IN', ttl: opts.ttl, data: DNS_SCHEMA_VERSION }]);
  }

  /** The answer for `name`/`type`, or undefined when the name is not this server's to answer. */
  answer(name: string, type: string): ZoneAnswer | undefined {
    const n = canonicalName(name);
    const inDomain = n === this.domain || n.endsWith(this.suffix);
    if (!inDomain) {
      if (type !== 'PTR' && type !== 'ANY') return undefined;
      const ptr = this.store.get(n, 'PTR');
      return ptr.length ? this.found(ptr) : undefined;
    }
    if (this.opts.synced && !this.opts.synced()) return { rcode: 'SERVFAIL', answers: [], authority: [], additionals: [] };
    if (n === this.domain && type === 'SOA') return this.found([this.soa]);
    const records = this.records(n, type);
    if (records.length) {
      if (type === 'SRV') return { ...this.found(records), additionals: this.targetsOf(records) };
      return this.found(records);
    }
    if (type !== 'CNAME') {
      const cname = this.store.get(n, 'CNAME');
      if (cname.length) return this.followCname(cname[0], type);
    }
    if (this.store.has(n) || this.podIP(n) !== undefined || this.isNamespaceNode(n)) return this.negative('NOERROR');
    return this.negative('NXDOMAIN');
  }

  private records(n: string, type: string): readonly Answer[] {
    if (type === 'ANY') return ['A', 'AAAA', 'CNAME', 'SRV', 'TXT'].flatMap((t) => this.store.get(n, t));
    const stored = this.store.get(n, type);
    if (stored.length || (type !== 'A' && type !== 'AAAA')) return stored;
    const ip = this.podIP(n);
    if (ip === undefined || (type === 'A') !== !ip.includes(':')) return stored;
    return [{ name: n, type, class: 'IN', ttl: this.opts.ttl, data: ip }];
  }

  /** The IP of a pod name `<a-b-c-d>.<ns>.pod.<domain>` when the pod mode answers it. */
  private podIP(n: string): string | undefined {
    if (this.opts.podMode === 'disabled' || !n.endsWith(this.podSuffix)) return undefined;
    const labels = n.slice(0, -this.podSuffix.length).split('.');
    if (labels.length !== 2) return undefined;
    const [dashed, ns] = labels;
    const ip = undashIP(dashed);
    if (ip === undefined || !this.opts.namespaceExists(ns)) return undefined;
    if (this.opts.podMode === 'verified' && !this.opts.podHasIP(ns, ip)) return undefined;
    return ip;
  }

  /** `svc.<domain>`, `pod.<domain>` and `<ns>.svc|pod.<domain>` of an existing namespace are names without records. */
  private isNamespaceNode(n: string): boolean {
    const rest = n.slice(0, -this.suffix.length).split('.');
    if (rest.length === 1) return rest[0] === 'svc' || rest[0] === 'pod';
    return rest.length === 2 && (rest[1] === 'svc' || rest[1] === 'pod') && this.opts.namespaceExists(rest[0]);
  }

  /** A CNAME answer; a target inside the domain is followed here, one outside is left to the server (chase). */
  private followCname(cname: Answer, type: string): ZoneAnswer {
    const target = String((cname as { data: unknown }).data);
    if (target === this.domain || target.endsWith(this.suffix)) {
      const next = this.records(target, type);
      return this.found([cname, ...next]);
    }
    return { ...this.found([cname]), chase: target };
  }

  /** The A/AAAA records of SRV targets, for the additional section. */
  private targetsOf(srv: readonly Answer[]): Answer[] {
    const targets = new Set(srv.map((r) => (r as SrvAnswer).data.target));
    return [...targets].flatMap((t) => [...this.store.get(t, 'A'), ...this.store.get(t, 'AAAA')]);
  }

  private found(answers: readonly Answer[]): ZoneAnswer {
    return { rcode: 'NOERROR', answers: answers as Answer[], authority: [], additionals: [] };
  }

  private negative(rcode: 'NOERROR' | 'NXDOMAIN'): ZoneAnswer {
    return { rcode, answers: [], authority: [this.soa], additionals: [] };
  }
}
