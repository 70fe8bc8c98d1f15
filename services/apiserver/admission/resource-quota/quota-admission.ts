// ResourceQuota admission: a create, update or patch that would push a namespace past any of its
// quotas' hard limits (a scoped quota counting only the pods its scopes match) is refused
// (PERMISSION_DENIED, Kubernetes' 403 "exceeded quota"); an update counts what it adds to the
// stored object (a ClusterIP Service turned NodePort adds a node port). Checks and writes in one
// namespace run one at a time under a per-namespace lock, and each admitted object is counted
// from the moment it is stored, so N concurrent creates against room for K admit exactly K.
import { ApiError, ForbiddenError } from '../../../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import { patchObject } from '../../../../lib/api/patch';
import type { Pod, ResourceQuota } from '../../../../lib/gen/kite/core/v1/types';
import type { Registry } from '../../registry/registry';
import type { AdmissionPlugin, AdmissionRequest } from '../chain';
import type { NamespaceUsage } from './namespace-usage';
import { quotaMatches } from './quota-scopes';
import { formatAmount, kindCounts, missingPodResources, parseAmount, usageOf, type Usage } from './quota-usage';

export class QuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly quotas: Registry<ResourceQuota>,
    private readonly usage: NamespaceUsage,
    /** Told after an admitted create, so quota status catches up soon. */
    private readonly changed: (namespace: string) => void = () => {},
  ) {}

  private quotasIn(namespace: string): ResourceQuota[] {
    return this.quotas.cachedList({ namespace });
  }

  /** The quotas of `namespace` that cap something `obj` counts towards and whose scopes match it. */
  private matching(kind: KindInfo<any>, namespace: string, obj: KubeObject): ResourceQuota[] {
    return this.quotasIn(namespace).filter((q) => Object.keys(q.spec?.hard ?? {}).some((r) => kindCounts(kind, r)) && quotaMatches(q, kind, obj));
  }

  /** Wraps creates, updates and patches (the check and the write, serialized per namespace); other calls pass. */
  around<R>(req: AdmissionRequest, write: () => Promise<R>): Promise<R> {
    if (req.verb === 'create') return this.admitCreate(req.kind, req.attributes.namespace, req.object, req.dryRun, write);
    if ((req.verb === 'update' || req.verb === 'patch') && req.kind.namespaced) return this.admitUpdate(req, write);
    return write();
  }

  /**
   * Runs an update or patch if what it adds to the stored object fits every quota. Most add
   * nothing a quota counts, and pass without waiting for the namespace's lock.
   */
  private async admitUpdate<R>(req: AdmissionRequest, write: () => Promise<R>): Promise<R> {
    const { kind, attributes: a } = req;
    const added = async () => {
      const old = await this.usage.current(kind, a.namespace, a.name);
      const next = old && (req.verb === 'update' ? req.object : patched(kind, old, req.request?.patchType, req.request?.patch));
      return next && old ? { next, wanted: growth(usageOf(kind, next), usageOf(kind, old)) } : undefined;
    };
    const first = await added();
    if (!first || first.wanted.size === 0 || this.matching(kind, a.namespace, first.next).length === 0) return write();
    return this.serialized(a.namespace, async () => {
      const now = await added();
      if (now) for (const q of this.matching(kind, a.namespace, now.next)) this.check(kind, a.namespace, now.next, q, now.wanted);
      const out = await write();
      // Counted once the cache shows it: the next check in this namespace sees the new usage.
      if (!req.dryRun) {
        await this.usage.seen(kind, out as KubeObject);
        this.changed(a.namespace);
      }
      return out;
    });
  }

  /** Runs `create` if the object fits every quota of its namespace; throws ForbiddenError otherwise. */
  async admitCreate<T>(kind: KindInfo<any>, namespace: string, obj: KubeObject | undefined, dryRun: boolean, create: () => Promise<T>): Promise<T> {
    if (!kind.namespaced || !obj) return create();
    if (this.matching(kind, namespace, obj).length === 0) return create();
    return this.serialized(namespace, async () => {
      for (const q of this.matching(kind, namespace, obj)) this.check(kind, namespace, obj, q);
      const out = await create();
      if (!dryRun) {
        this.usage.reserve(kind, out as KubeObject);
        this.changed(namespace);
      }
      return out;
    });
  }

  private check(kind: KindInfo<any>, namespace: string, obj: KubeObject, q: ResourceQuota, wanted: Usage = usageOf(kind, obj)): void {
    const hard = q.spec?.hard ?? {};
    const name = obj.metadata?.name || obj.metadata?.generateName || '';
    const what = `${kind.resource} "${name}" is forbidden`;
    if (kind.kind === 'Pod') {
      const missing = missingPodResources(obj as Pod, Object.keys(hard).filter((r) => kindCounts(kind, r)));
      if (missing.length) throw new ForbiddenError(`${what}: failed quota: ${q.metadata!.name}: must specify ${missing.join(',')}`);
    }
    // As Kubernetes does, only what the object adds is checked (a ClusterIP service adds no node
    // port, so it is admitted even where node ports are over a lowered limit).
    const constrained = Object.keys(hard).filter((r) => (wanted.get(r) ?? 0n) > 0n);
    if (constrained.length === 0) return;
    const used = this.usage.used(namespace, constrained, (k, o) => quotaMatches(q, k, o));
    const over = constrained.filter((r) => used.get(r)! + wanted.get(r)! > parseAmount(hard[r])).sort();
    if (over.length === 0) return;
    const list = (f: (r: string) => string) => over.map((r) => `${r}=${f(r)}`).join(',');
    throw new ForbiddenError(
      `${what}: exceeded quota: ${q.metadata!.name}, requested: ${list((r) => formatAmount(r, wanted.get(r)!))}, ` +
        `used: ${list((r) => formatAmount(r, used.get(r)!))}, limited: ${list((r) => hard[r])}`,
    );
  }

  /** Runs `fn` after every earlier call for the same namespace has finished. */
  private serialized<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(namespace) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(namespace, tail);
    tail.then(() => {
      if (this.locks.get(namespace) === tail) this.locks.delete(namespace);
    });
    return run;
  }
}

/** What `next` uses beyond `old`, resource by resource (only increases count). */
function growth(next: Usage, old: Usage): Usage {
  const out: Usage = new Map();
  for (const [r, v] of next) {
    const more = v - (old.get(r) ?? 0n);
    if (more > 0n) out.set(r, more);
  }
  return out;
}

/** The object a patch would make of `old` (the registry applies it again when it writes). */
function patched<T extends KubeObject>(kind: KindInfo<T>, old: T, patchType: string, patch: string): T | undefined {
  try {
    return patchObject(kind, old, patchType, patch);
  } catch (err) {
    // A patch that does not apply is refused by the registry with its own words.
    if (err instanceof ApiError) return undefined;
    throw err;
  }
}
