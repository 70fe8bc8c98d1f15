// The cache of forwarded answers, as CoreDNS's cache plugin keeps it: a positive answer for the
// smallest TTL among its records (at most an hour), a negative one (NXDOMAIN, or NOERROR without
// answers) for its SOA's TTL capped by the SOA minimum (RFC 2308; at most 30 minutes); both at
// most the cache's own TTL when it has one (CoreDNS's `cache TTL`: kubeadm's Corefile has `cache
// 30`); served with the TTLs counted down from that. SERVFAIL and answers without a usable TTL are
// not kept. Bounded by entries: the oldest entry goes first.
import type { Answer, Packet } from 'dns-packet';

/** CoreDNS cache's default capacity and TTL caps. */
export const CACHE_CAPACITY = 9984;
export const MAX_POSITIVE_TTL = 3600;
export const MAX_NEGATIVE_TTL = 1800;

export interface CachedAnswer {
  rcode: string;
  answers: Answer[];
  authority: Answer[];
  additionals: Answer[];
}

/** A decoded packet: dns-packet's decode also names the response code. */
export type DecodedPacket = Packet & { rcode?: string };

function ttlOf(r: Answer): number {
  return 'ttl' in r ? (r.ttl ?? 0) : 0;
}

interface Entry {
  stored: CachedAnswer;
  storedAt: number;
  /** Seconds the entry is kept: no record is served with a longer TTL. */
  ttl: number;
  expiresAt: number;
}

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity = CACHE_CAPACITY,
    private readonly now: () => number = Date.now,
    /** CoreDNS's `cache TTL`: the longest any answer is kept, seconds; undefined: the plugin's caps only. */
    private readonly maxTtl?: number,
  ) {}

  static key(name: string, type: string, klass: string): string {
    return `${name.toLowerCase()}|${type}|${klass}`;
  }

  /** The cached answer with its TTLs counted down, or undefined (absent or expired). */
  get(key: string): CachedAnswer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const t = this.now();
    if (t >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    const elapsed = Math.floor((t - e.storedAt) / 1000);
    const age = (rs: Answer[]) => rs.map((r) => ({ ...r, ttl: Math.max(0, Math.min(ttlOf(r), e.ttl) - elapsed) }) as Answer);
    return { rcode: e.stored.rcode, answers: age(e.stored.answers), authority: age(e.stored.authority), additionals: age(e.stored.additionals) };
  }

  /** Keeps `response` under `key` for as long as its records allow. */
  set(key: string, response: Packet): void {
    const rcode = (response as DecodedPacket).rcode ?? 'NOERROR';
    const answers = (response.answers ?? []) as Answer[];
    const authority = (response.authorities ?? []) as Answer[];
    const additionals = ((response.additionals ?? []) as Answer[]).filter((r) => r.type !== 'OPT');
    const ttl = Math.min(cacheTtl(rcode, answers, authority), this.maxTtl ?? Infinity);
    if (ttl <= 0) return;
    if (this.entries.size >= this.capacity && !this.entries.has(key)) this.entries.delete(this.entries.keys().next().value!);
    const t = this.now();
    this.entries.delete(key);
    this.entries.set(key, { stored: { rcode, answers, authority, additionals }, storedAt: t, ttl, expiresAt: t + ttl * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }
}

/** How long an upstream answer may be kept, in seconds (0: not at all). */
export function cacheTtl(rcode: string, answers: Answer[], authority: Answer[]): number {
  if (rcode === 'NOERROR' && answers.length) return Math.min(MAX_POSITIVE_TTL, ...answers.map(ttlOf));
  if (rcode !== 'NXDOMAIN' && rcode !== 'NOERROR') return 0;
  const soa = authority.find((r) => r.type === 'SOA');
  if (!soa || soa.type !== 'SOA') return 0;
  return Math.min(MAX_NEGATIVE_TTL, soa.ttl ?? 0, soa.data.minimum ?? 0);
}
