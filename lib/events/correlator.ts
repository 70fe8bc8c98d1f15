// client-go's EventCorrelator: decides, for each event a component records, whether it is new,
// a repeat of an earlier one (same object, reason, message and source: bump its count and
// lastTimestamp instead of writing another object), one too many similar events (aggregated
// under one "(combined from similar events)" event) or spam (dropped by a per-object token
// bucket). Pure bookkeeping: it never talks to the API.
import type { Event } from '../gen/kite/core/v1/types';

export interface CorrelatorOptions {
  /** Similar events (same object and reason, any message) seen within this window are aggregated; default 10 min. */
  aggregateWindowMs?: number;
  /** How many distinct messages of similar events are kept before aggregating; default 10. */
  maxSimilarEvents?: number;
  /** A repeat within this window updates the earlier event; later it starts a new one; default 1 h (the apiserver's event TTL). */
  dedupWindowMs?: number;
  /** Token bucket per source and object: burst; default 25. */
  spamBurst?: number;
  /** Token bucket refill per second; default 1/300 (one every five minutes). */
  spamQps?: number;
  /** Remembered keys per cache (LRU); default 4096. */
  cacheSize?: number;
}

export interface CorrelationResult {
  /** The event to write (a fresh object, never the caller's). */
  event: Event;
  /** True: update the earlier event of the same name (count and lastTimestamp) instead of creating. */
  isUpdate: boolean;
  /** True: drop it (rate-limited). */
  skip: boolean;
}

const AGGREGATED_PREFIX = '(combined from similar events): ';

/** A Map used as an LRU: reads move a key to the end, inserts evict from the front. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

function objectKeyParts(e: Event): string[] {
  const o = e.involvedObject;
  return [e.source?.component ?? '', e.source?.host ?? '', o?.kind ?? '', o?.namespace ?? '', o?.name ?? '', o?.uid ?? '', o?.apiVersion ?? ''];
}

/** Same object, source, type and reason: events that differ at most in their message. */
function aggregateKey(e: Event): string {
  return JSON.stringify([...objectKeyParts(e), e.type, e.reason]);
}

/** Everything that makes two events the same event. */
function eventKey(e: Event): string {
  return JSON.stringify([...objectKeyParts(e), e.involvedObject?.fieldPath ?? '', e.type, e.reason, e.message]);
}

interface AggregateRecord {
  messages: Set<string>;
  lastSeen: number;
}

interface DedupRecord {
  name: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class EventCorrelator {
  private readonly aggregateWindowMs: number;
  private readonly maxSimilar: number;
  private readonly dedupWindowMs: number;
  private readonly burst: number;
  private readonly qps: number;
  private readonly aggregates: Lru<AggregateRecord>;
  private readonly seen: Lru<DedupRecord>;
  private readonly buckets: Lru<Bucket>;

  constructor(opts: CorrelatorOptions = {}) {
    this.aggregateWindowMs = opts.aggregateWindowMs ?? 10 * 60_000;
    this.maxSimilar = opts.maxSimilarEvents ?? 10;
    this.dedupWindowMs = opts.dedupWindowMs ?? 60 * 60_000;
    this.burst = opts.spamBurst ?? 25;
    this.qps = opts.spamQps ?? 1 / 300;
    const size = opts.cacheSize ?? 4096;
    this.aggregates = new Lru(size);
    this.seen = new Lru(size);
    this.buckets = new Lru(size);
  }

  /** Correlates `input` (built with count 1 and a fresh name) observed at `nowMs`. */
  correlate(input: Event, nowMs: number): CorrelationResult {
    const event: Event = structuredClone(input);
    if (!this.allow(event, nowMs)) return { event, isUpdate: false, skip: true };
    const key = this.aggregate(event, nowMs);
    const prev = this.seen.get(key);
    if (prev && nowMs - prev.lastSeen <= this.dedupWindowMs) {
      prev.count++;
      prev.lastSeen = nowMs;
      event.metadata!.name = prev.name;
      event.count = prev.count;
      event.firstTimestamp = prev.firstTimestamp;
      return { event, isUpdate: true, skip: false };
    }
    this.seen.set(key, { name: event.metadata!.name, count: event.count, firstTimestamp: event.firstTimestamp, lastSeen: nowMs });
    return { event, isUpdate: false, skip: false };
  }

  /** Forgets an event the API no longer has (its update failed with NotFound): the next repeat creates one. */
  forget(event: Event): void {
    this.seen.delete(eventKey(event));
    this.seen.delete(aggregateKey(event));
  }

  /** Returns the dedup key; rewrites the message when similar events are aggregated. */
  private aggregate(event: Event, nowMs: number): string {
    const akey = aggregateKey(event);
    let rec = this.aggregates.get(akey);
    if (!rec || nowMs - rec.lastSeen > this.aggregateWindowMs) rec = { messages: new Set(), lastSeen: nowMs };
    rec.lastSeen = nowMs;
    rec.messages.add(event.message);
    this.aggregates.set(akey, rec);
    if (rec.messages.size < this.maxSimilar) return eventKey(event);
    event.message = AGGREGATED_PREFIX + event.message;
    return akey;
  }

  private allow(event: Event, nowMs: number): boolean {
    const key = JSON.stringify(objectKeyParts(event));
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.qps);
    b.at = nowMs;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }
}
