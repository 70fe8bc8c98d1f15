// One DNS query in, one response out, whatever the transport: the cluster zone answers its names
// at once (authoritative); every other name is served from the cache or forwarded, with
// identical questions in flight sharing one upstream query. An ExternalName's CNAME to a name
// outside the domain is followed upstream and the target's records appended, as CoreDNS does.
// With metrics, cache hits and misses are counted and the caller learns which part answered.
import * as packet from 'dns-packet';
import type { Answer, Packet, Question, RecordType } from 'dns-packet';
import type { DecodedPacket } from './response-cache';
import type { ClusterZone } from './cluster-zone';
import type { Forwarder } from './forwarder';
import type { AnsweringPlugin, DnsMetrics } from './metrics';
import { ResponseCache, type CachedAnswer } from './response-cache';

/** DNS response codes (RFC 1035 4.1.1) kite-dns answers with. */
export const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type RcodeName = keyof typeof RCODES;

/** Filled in by handle(): which part of kite-dns answered (CoreDNS's plugin label). */
export interface Answered {
  plugin: AnsweringPlugin;
}

function rcodeOf(name: string): number {
  return RCODES[name as RcodeName] ?? RCODES.SERVFAIL;
}

export class QueryHandler {
  private readonly inFlight = new Map<string, Promise<CachedAnswer | undefined>>();

  constructor(
    private readonly zone: ClusterZone,
    private readonly forwarder: Forwarder,
    private readonly cache: ResponseCache,
    private readonly metrics?: DnsMetrics,
  ) {}

  /** The response to `query` (without the EDNS0 OPT record, which the transport adds). */
  handle(query: Packet, answered?: Answered): Packet | Promise<Packet> {
    const q = query.questions?.[0];
    if (query.type !== 'query' || !q || query.questions!.length !== 1) return reply(query, RCODES.FORMERR, false);
    if (((query.flags ?? 0) >> 11) & 0xf) return reply(query, RCODES.NOTIMP, false);
    const local = q.class === 'IN' || q.class === undefined ? this.zone.answer(q.name, q.type) : undefined;
    if (local) {
      if (answered) answered.plugin = 'kubernetes';
      const res = reply(query, rcodeOf(local.rcode), true, local.answers, local.authority, local.additionals);
      return local.chase ? this.chase(res, local.chase, q.type) : res;
    }
    return this.forward(q, answered).then((a) => (a ? reply(query, rcodeOf(a.rcode), false, a.answers, a.authority, a.additionals) : reply(query, RCODES.SERVFAIL, false)));
  }

  /** The upstream's answer to `q`, from the cache when fresh. */
  forward(q: Question, answered?: Answered): Promise<CachedAnswer | undefined> {
    const key = ResponseCache.key(q.name, q.type, q.class ?? 'IN');
    const cached = this.cache.get(key);
    if (answered) answered.plugin = cached ? 'cache' : 'forward';
    if (cached) {
      this.metrics?.cacheHit(cached.rcode !== 'NOERROR' || !cached.answers.length);
      return Promise.resolve(cached);
    }
    this.metrics?.cacheMiss();
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.forwarder.query(q.name, q.type, q.class ?? 'IN').then((res) => {
        this.inFlight.delete(key);
        if (!res) return undefined;
        this.cache.set(key, res);
        return {
          rcode: (res as DecodedPacket).rcode ?? 'NOERROR',
          answers: (res.answers ?? []) as Answer[],
          authority: (res.authorities ?? []) as Answer[],
          additionals: ((res.additionals ?? []) as Answer[]).filter((r) => r.type !== 'OPT'),
        };
      });
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async chase(res: Packet, target: string, type: string): Promise<Packet> {
    const a = await this.forward({ name: target, type: type as RecordType, class: 'IN' });
    if (a?.rcode === 'NOERROR') res.answers!.push(...a.answers);
    return res;
  }
}

/** A response to `query` echoing its id, question and RD bit. */
export function reply(query: Packet, rcode: number, authoritative: boolean, answers: Answer[] = [], authorities: Answer[] = [], additionals: Answer[] = []): Packet {
  let flags = ((query.flags ?? 0) & packet.RECURSION_DESIRED) | packet.RECURSION_AVAILABLE | rcode;
  if (authoritative) flags |= packet.AUTHORITATIVE_ANSWER;
  return { type: 'response', id: query.id, flags, questions: query.questions, answers: [...answers], authorities, additionals };
}
