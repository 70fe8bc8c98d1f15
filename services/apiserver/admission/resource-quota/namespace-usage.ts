// A namespace's current usage of quota resources, computed from the watch caches plus the
// objects this apiserver created that the caches have not shown yet (reservations), so that
// back-to-back admissions never count the same free slot twice; for a scoped quota, only over
// the objects its scopes match.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { Registry } from '../../registry/registry';
import { kindCounts, usageOf, type Usage } from './quota-usage';

interface Reservation {
  kind: string;
  namespace: string;
  name: string;
  obj: KubeObject;
  expires: number;
}

/** Which objects a quota counts (its scopes); every object by default. */
export type ObjectMatcher = (kind: KindInfo<any>, obj: KubeObject) => boolean;

export class NamespaceUsage {
  private readonly reservations = new Map<string, Reservation>();

  constructor(
    private readonly registries: ReadonlyMap<string, Registry<any>>,
    private readonly reservationTTLms = 30_000,
  ) {}

  /** The kinds whose objects count towards a quota resource name. */
  kindsFor(resource: string): KindInfo<any>[] {
    return [...this.registries.values()].map((r) => r.kind).filter((k) => k.namespaced && kindCounts(k, resource));
  }

  /** Current usage in `namespace` of the given resources by the objects `matches` accepts. */
  used(namespace: string, resources: Iterable<string>, matches: ObjectMatcher = () => true, now = Date.now()): Usage {
    const kinds = new Map<string, KindInfo<any>>();
    const wanted = new Set(resources);
    for (const r of wanted) for (const k of this.kindsFor(r)) kinds.set(k.kind, k);
    const total: Usage = new Map([...wanted].map((r) => [r, 0n]));
    const add = (kind: KindInfo<any>, obj: KubeObject) => {
      if (!matches(kind, obj)) return;
      for (const [r, v] of usageOf(kind, obj)) if (wanted.has(r)) total.set(r, total.get(r)! + v);
    };
    for (const kind of kinds.values()) {
      const reg = this.registries.get(kind.kind)!;
      for (const obj of reg.cachedList({ namespace })) add(kind, obj);
      for (const [key, res] of this.reservations) {
        if (res.kind !== kind.kind || res.namespace !== namespace) continue;
        if (reg.cached(res.namespace, res.name) || res.expires < now) this.reservations.delete(key);
        else add(kind, res.obj);
      }
    }
    return total;
  }

  /** The stored object as the watch cache holds it, or storage for one not cached yet. */
  async current<T extends KubeObject>(kind: KindInfo<T>, namespace: string, name: string): Promise<T | undefined> {
    const reg = this.registries.get(kind.kind) as Registry<T>;
    return reg.cached(namespace, name) ?? (await reg.get(namespace, name).catch(() => undefined));
  }

  /** Resolves once the watch cache shows `obj` (the write admission just let through), or after a second. */
  async seen(kind: KindInfo<any>, obj: KubeObject): Promise<void> {
    const rv = Number(obj.metadata?.resourceVersion);
    if (rv > 0) await this.registries.get(kind.kind)!.waitForCache(rv, 1000).catch(() => undefined);
  }

  /** Counts a just-created object until the watch cache shows it. */
  reserve(kind: KindInfo<any>, obj: KubeObject, now = Date.now()): void {
    const reg = this.registries.get(kind.kind)!;
    const m = obj.metadata!;
    if (!reg.cached(m.namespace, m.name)) {
      this.reservations.set(reg.key(m.namespace, m.name), { kind: kind.kind, namespace: m.namespace, name: m.name, obj, expires: now + this.reservationTTLms });
    }
  }
}
