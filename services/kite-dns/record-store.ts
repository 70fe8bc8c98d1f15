// The records the server answers from, precomputed on informer events (CoreDNS's kubernetes
// plugin reads its informers' indexes per query; here each change rewrites a Map keyed by
// name and type, so a query is one Map lookup). Each source (a Service) owns a set of records;
// replacing a source rewrites only the names it touched. Every name that holds records, and each
// of its ancestors inside a zone (svc.<domain>, <ns>.svc.<domain>, ...), is counted so that a
// known name asked for another type is NODATA rather than NXDOMAIN.
import type { Answer } from 'dns-packet';

const EMPTY: readonly Answer[] = [];

export class RecordStore {
  /** name|TYPE -> source -> records. */
  private readonly bySourceKey = new Map<string, Map<string, Answer[]>>();
  /** name|TYPE -> every source's records together: what a query reads. */
  private readonly answers = new Map<string, readonly Answer[]>();
  /** name (and its ancestors within `zones`) -> how many records name it or a name below it. */
  private readonly names = new Map<string, number>();
  /** source -> the keys it wrote, to undo them on replace. */
  private readonly sources = new Map<string, Answer[]>();

  /** `zones`: the suffixes whose empty non-terminals exist (the cluster domain, the reverse zones). */
  constructor(private readonly zones: readonly string[]) {}

  /** The records of `name` (canonical) and `type`. */
  get(name: string, type: string): readonly Answer[] {
    return this.answers.get(`${name}|${type}`) ?? EMPTY;
  }

  /** True when `name` or a name below it holds records. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Replaces every record of `source` with `records` (none: the source is gone). */
  replace(source: string, records: Answer[]): void {
    const old = this.sources.get(source) ?? [];
    const touched = new Set<string>();
    for (const r of old) {
      touched.add(`${r.name}|${r.type}`);
      this.countName(r.name, -1);
    }
    for (const key of touched) this.bySourceKey.get(key)?.delete(source);
    for (const r of records) {
      const key = `${r.name}|${r.type}`;
      touched.add(key);
      let perSource = this.bySourceKey.get(key);
      if (!perSource) this.bySourceKey.set(key, (perSource = new Map()));
      let list = perSource.get(source);
      if (!list) perSource.set(source, (list = []));
      list.push(r);
      this.countName(r.name, 1);
    }
    if (records.length) this.sources.set(source, records);
    else this.sources.delete(source);
    for (const key of touched) {
      const perSource = this.bySourceKey.get(key);
      if (!perSource?.size) {
        this.bySourceKey.delete(key);
        this.answers.delete(key);
        continue;
      }
      this.answers.set(key, [...perSource.keys()].sort().flatMap((s) => perSource.get(s)!));
    }
  }

  /** How many distinct name|type keys hold records (for logs and tests). */
  get size(): number {
    return this.answers.size;
  }

  private countName(name: string, delta: number): void {
    const zone = this.zones.find((z) => name === z || name.endsWith(`.${z}`));
    let n = name;
    for (;;) {
      const next = (this.names.get(n) ?? 0) + delta;
      if (next > 0) this.names.set(n, next);
      else this.names.delete(n);
      if (zone === undefined || n === zone) return;
      n = n.slice(n.indexOf('.') + 1);
    }
  }
}
