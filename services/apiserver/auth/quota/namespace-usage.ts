// A namespace's current usage of quota resources, computed from the watch caches plus the
// objects this apiserver created that the caches have not shown yet (reservations), so that
// back-to-back admissions never count the same free slot twice.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { Registry } from '../../registry/registry';
import { addUsage, countName, usageOf, type Usage } from './quota-usage';

const POD_RESOURCES = ['pods', 'cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

interface Reservation {
  kind: string;
  namespace: string;
  usage: Usage;
  expires: number;
}

export class NamespaceUsage {
  private readonly reservations = new Map<string, Reservation>();

  constructor(
    private readonly registries: ReadonlyMap<string, Registry<any>>,
    private readonly reservationTTLms = 30_000,
  ) {}

  /** The kinds whose objects count towards a quota resource name. */
  kindsFor(resource: string): KindInfo<any>[] {
    const out: KindInfo<any>[] = [];
    for (const r of this.registries.values()) {
      const k = r.kind;
      if (!k.namespaced) continue;
      if (resource === countName(k)) out.push(k);
      else if (k.kind === 'Pod' && POD_RESOURCES.includes(resource)) out.push(k);
      else if (k.kind === 'Service' && resource === 'services') out.push(k);
      else if (k.kind === 'ResourceQuota' && resource === 'resourcequotas') out.push(k);
    }
    return out;
  }

  /** Current usage in `namespace` of the given resources. */
  used(namespace: string, resources: Iterable<string>, now = Date.now()): Usage {
    const kinds = new Map<string, KindInfo<any>>();
    const wanted = new Set(resources);
    for (const r of wanted) for (const k of this.kindsFor(r)) kinds.set(k.kind, k);
    const total: Usage = new Map([...wanted].map((r) => [r, 0n]));
    const add = (u: Usage) => {
      for (const [r, v] of u) if (wanted.has(r)) total.set(r, total.get(r)! + v);
    };
    for (const kind of kinds.values()) {
      const reg = this.registries.get(kind.kind)!;
      for (const { obj } of reg.cache.list(reg.filter({ namespace })).items) add(usageOf(kind, obj));
      for (const [key, res] of this.reservations) {
        if (res.kind !== kind.kind || res.namespace !== namespace) continue;
        if (reg.cache.get(key) || res.expires < now) this.reservations.delete(key);
        else add(res.usage);
      }
    }
    return total;
  }

  /** Counts a just-created object until the watch cache shows it. */
  reserve(kind: KindInfo<any>, obj: KubeObject, now = Date.now()): void {
    const reg = this.registries.get(kind.kind)!;
    const m = obj.metadata!;
    const usage: Usage = new Map();
    addUsage(usage, usageOf(kind, obj));
    if (!reg.cache.get(reg.key(m.namespace, m.name))) {
      this.reservations.set(reg.key(m.namespace, m.name), { kind: kind.kind, namespace: m.namespace, usage, expires: now + this.reservationTTLms });
    }
  }
}
