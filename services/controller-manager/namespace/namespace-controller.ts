// The namespace controller: a namespace being deleted (Terminating) has everything in it
// deleted, kind by kind for every namespaced kind; once nothing is left it removes its
// "kubernetes" finalizer from spec.finalizers, and the apiserver then deletes the namespace.
// Contents are listed from the API, not a cache: emptiness must be certain.
import { isConflict, isNotFound } from '../../../lib/api/errors';
import { ALL_KINDS, Namespaces, type KindInfo, type KubeObject } from '../../../lib/api/kinds';
import type { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { enqueueHandler, type Lister, type SharedInformer } from '../../../lib/informer';
import { type ReconcileResult } from '../../../lib/workqueue';
import { QueueController, type ControllerContext } from '../controller';

export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions {
  /** Concurrent syncs (--concurrent-namespace-syncs). */
  workers: number;
  /** How soon to look again while content is still going away (e.g. pods terminating). */
  recheckMs: number;
}

export const DEFAULT_NAMESPACE_OPTIONS: NamespaceControllerOptions = { workers: 10, recheckMs: 2_000 };

export class NamespaceController extends QueueController<NamespaceControllerOptions> {
  readonly name = 'namespace';
  private readonly informer: SharedInformer<Namespace>;
  private readonly lister: Lister<Namespace>;
  /** Namespaced kinds, in the order their objects are deleted. */
  private readonly kinds: KindInfo<any>[];

  constructor(
    ctx: ControllerContext,
    opts: Partial<NamespaceControllerOptions> = {},
  ) {
    super(ctx, 'namespace-controller', DEFAULT_NAMESPACE_OPTIONS, opts);
    this.kinds = ALL_KINDS.filter((k) => k.namespaced && !k.declaration.ephemeral);
    this.informer = ctx.informers.forKind(Namespaces);
    this.lister = this.informer.lister();
    const { onAdd, onUpdate } = enqueueHandler<Namespace>(this.queue, (ns) => (ns.metadata?.deletionTimestamp ? ns.metadata.name : undefined));
    this.informer.addEventHandler({ onAdd, onUpdate });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.informer];
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = this.lister.get(name);
    if (!ns?.metadata?.deletionTimestamp || !ns.spec?.finalizers.includes(NAMESPACE_FINALIZER)) return;
    const remaining = await this.deleteContent(name);
    if (remaining.length > 0) {
      this.log.debug({ namespace: name, remaining: remaining.slice(0, 5) }, 'namespace content still going away');
      return { requeueAfter: this.opts.recheckMs };
    }
    await this.finalize(name);
    this.log.info({ namespace: name }, 'namespace emptied; finalizer removed');
  }

  /** Deletes what is in the namespace; returns "kind/name" of what is still there afterwards. */
  private async deleteContent(namespace: string): Promise<string[]> {
    for (const kind of this.kinds) {
      const client = this.ctx.client.resource<KubeObject>(kind);
      const list = await client.listAll({ namespace });
      for (const obj of list.items) {
        if (obj.metadata?.deletionTimestamp) continue;
        try {
          await client.delete(obj.metadata!.name, { namespace, propagationPolicy: 'Background' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    const remaining: string[] = [];
    for (const kind of this.kinds) {
      const list = await this.ctx.client.resource<KubeObject>(kind).listAll({ namespace });
      remaining.push(...list.items.map((o) => `${kind.resource}/${o.metadata!.name}`));
    }
    return remaining;
  }

  private async finalize(name: string): Promise<void> {
    const client = this.ctx.client.resource(Namespaces);
    for (let attempt = 0; ; attempt++) {
      let ns: Namespace;
      try {
        ns = await client.get(name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (!ns.spec?.finalizers.includes(NAMESPACE_FINALIZER)) return;
      const next = structuredClone(ns);
      next.spec!.finalizers = next.spec!.finalizers.filter((f) => f !== NAMESPACE_FINALIZER);
      try {
        await client.update(next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 2) throw err;
      }
    }
  }
}
