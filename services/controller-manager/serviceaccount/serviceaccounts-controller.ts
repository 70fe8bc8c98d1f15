// The serviceaccount controller (Kubernetes' pkg/controller/serviceaccount/serviceaccounts_controller.go):
// every active namespace has a `default` ServiceAccount. A namespace added or updated is
// checked, and a deleted ServiceAccount sends its namespace back to the queue, so `default` is
// made again. Nothing is created in a namespace that is not Active (being deleted).
import { isAlreadyExists } from '../../../lib/api/errors';
import { Namespaces, ServiceAccounts } from '../../../lib/api/kinds';
import { ServiceAccount, type Namespace } from '../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import { isForbiddenTerminating } from '../common/errors';
import { QueueController, type ControllerContext } from '../controller';

/** The ServiceAccount the ServiceAccount admission plugin gives pods that name none. */
export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';

export interface ServiceAccountsControllerOptions {
  /** Concurrent syncs (kube-controller-manager runs this controller with one worker). */
  workers: number;
  /** The ServiceAccounts kept in every namespace (Kubernetes' ServiceAccountsControllerOptions). */
  serviceAccounts: string[];
}

export const DEFAULT_SERVICE_ACCOUNTS_OPTIONS: ServiceAccountsControllerOptions = { workers: 1, serviceAccounts: [DEFAULT_SERVICE_ACCOUNT_NAME] };

export class ServiceAccountsController extends QueueController<ServiceAccountsControllerOptions> {
  readonly name = 'serviceaccount';
  private readonly saInformer: SharedInformer<ServiceAccount>;
  private readonly nsInformer: SharedInformer<Namespace>;
  private readonly saLister: Lister<ServiceAccount>;
  private readonly nsLister: Lister<Namespace>;

  constructor(ctx: ControllerContext, opts: Partial<ServiceAccountsControllerOptions> = {}) {
    super(ctx, 'service-account-controller', DEFAULT_SERVICE_ACCOUNTS_OPTIONS, opts);
    this.saInformer = ctx.informers.forKind(ServiceAccounts);
    this.nsInformer = ctx.informers.forKind(Namespaces);
    this.saLister = this.saInformer.lister();
    this.nsLister = this.nsInformer.lister();
    // Keys are namespace names: a deleted ServiceAccount may be one this controller keeps.
    this.saInformer.addEventHandler({ onDelete: (sa) => this.queue.add(sa.metadata!.namespace) });
    this.nsInformer.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata!.name),
      onUpdate: (_old, ns) => this.queue.add(ns.metadata!.name),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.saInformer, this.nsInformer];
  }

  /** syncNamespace: creates the ServiceAccounts missing from an active namespace. */
  async reconcile(namespace: string): Promise<void> {
    const ns = this.nsLister.get(namespace);
    // A namespace that is not active gets nothing new.
    if (!ns || ns.status?.phase !== 'Active') return;
    const failures: unknown[] = [];
    for (const name of this.opts.serviceAccounts) {
      if (this.saLister.get(`${namespace}/${name}`)) continue;
      try {
        await this.ctx.client.resource(ServiceAccounts).create(ServiceAccount.fromPartial({ metadata: { name, namespace } }), { namespace });
      } catch (err) {
        // Already there (the cache lags), or the namespace began terminating: nothing to do.
        if (!isAlreadyExists(err) && !isForbiddenTerminating(err)) failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    // Kubernetes' aggregate error: several in brackets.
    if (failures.length > 1) throw new AggregateError(failures, `[${failures.map((e) => (e as Error).message).join(', ')}]`);
  }
}
