// ResourceQuota admission: a create that would push a namespace past any of its quotas' hard
// limits (a scoped quota counting only the pods its scopes match) is refused (PERMISSION_DENIED,
// Kubernetes' 403 "exceeded quota"). Checks and creates in one namespace run one at a time under a per-namespace lock, and each admitted object is
// counted from the moment it is stored, so N concurrent creates against room for K admit
// exactly K.
import { ForbiddenError } from '../../../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { Pod, ResourceQuota } from '../../../../lib/gen/kite/core/v1/types';
import type { Registry } from '../../registry/registry';
import type { AdmissionPlugin, AdmissionRequest } from '../chain';
import type { NamespaceUsage } from './namespace-usage';
import { quotaMatches } from './quota-scopes';
import { formatAmount, kindCounts, missingPodResources, parseAmount, usageOf } from './quota-usage';

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

  /** Wraps creates (the check and the write, serialized per namespace); other calls pass. */
  around<R>(req: AdmissionRequest, write: () => Promise<R>): Promise<R> {
    if (req.verb !== 'create') return write();
    return this.admitCreate(req.kind, req.attributes.namespace, req.object, req.dryRun, write);
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

  private check(kind: KindInfo<any>, namespace: string, obj: KubeObject, q: ResourceQuota): void {
    const hard = q.spec?.hard ?? {};
    const name = obj.metadata?.name || obj.metadata?.generateName || '';
    const what = `${kind.resource} "${name}" is forbidden`;
    if (kind.kind === 'Pod') {
      const missing = missingPodResources(obj as Pod, Object.keys(hard).filter((r) => kindCounts(kind, r)));
      if (missing.length) throw new ForbiddenError(`${what}: failed quota: ${q.metadata!.name}: must specify ${missing.join(',')}`);
    }
    // As Kubernetes does, only what the object adds is checked (a ClusterIP service adds no node
    // port, so it is admitted even where node ports are over a lowered limit).
    const wanted = usageOf(kind, obj);
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
