// The Endpoints controller: for every Service with a selector, an Endpoints object of the same
// name listing the addresses and ports of the pods it selects, written only when it changes.
// Services without a selector are left to whoever writes their Endpoints by hand.
import { isAlreadyExists, isConflict, isNotFound } from '../../../lib/api/errors';
import { EndpointsKind, Pods, Services } from '../../../lib/api/kinds';
import { Endpoints, type Pod, type Service } from '../../../lib/gen/kite/core/v1/types';
import type { EventRecorder } from '../../../lib/events';
import { enqueueHandler, type Lister, type SharedInformer } from '../../../lib/informer';
import { canonicalJson } from '../../../lib/util/json';
import { isForbiddenTerminating } from '../common/errors';
import { serviceSelector, servicePodHandler } from '../common/service-pods';
import { QueueController, type ControllerContext } from '../controller';
import { computeSubsets, subsetsEqual } from './endpoint-subsets';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface EndpointsControllerOptions {
  /** Concurrent syncs (--concurrent-endpoint-syncs). */
  workers: number;
}

export const DEFAULT_ENDPOINTS_OPTIONS: EndpointsControllerOptions = { workers: 5 };

export class EndpointsController extends QueueController<EndpointsControllerOptions> {
  readonly name = 'endpoint';
  private readonly svcInformer: SharedInformer<Service>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly epInformer: SharedInformer<Endpoints>;
  private readonly svcLister: Lister<Service>;
  private readonly podLister: Lister<Pod>;
  private readonly epLister: Lister<Endpoints>;
  private readonly recorder: EventRecorder = this.ctx.recorder('endpoint-controller');

  constructor(
    ctx: ControllerContext,
    opts: Partial<EndpointsControllerOptions> = {},
  ) {
    super(ctx, 'endpoint-controller', DEFAULT_ENDPOINTS_OPTIONS, opts);
    this.svcInformer = ctx.informers.forKind(Services);
    this.podInformer = ctx.informers.forKind(Pods);
    this.epInformer = ctx.informers.forKind(EndpointsKind);
    this.svcLister = this.svcInformer.lister();
    this.podLister = this.podInformer.lister();
    this.epLister = this.epInformer.lister();
    this.svcInformer.addEventHandler(enqueueHandler(this.queue));
    // Someone deleted our Endpoints: write them again (or confirm the Service is gone).
    this.epInformer.addEventHandler({ onDelete: enqueueHandler(this.queue).onDelete });
    this.podInformer.addEventHandler(servicePodHandler(this.svcLister, this.queue));
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.svcInformer, this.podInformer, this.epInformer];
  }

  async reconcile(key: string): Promise<void> {
    const svc = this.svcLister.get(key);
    const current = this.epLister.get(key);
    const client = this.ctx.client.resource(EndpointsKind);
    if (!svc) {
      if (!current) return;
      try {
        await client.delete(current.metadata!.name, { namespace: current.metadata!.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const selector = serviceSelector(svc);
    if (!selector || svc.spec?.type === 'ExternalName') return;
    const pods = this.podLister.namespace(svc.metadata!.namespace).list(selector);
    const subsets = computeSubsets(svc, pods);
    const labels = { ...svc.metadata!.labels };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
    if (current && subsetsEqual(current.subsets, subsets) && canonicalJson(current.metadata?.labels) === canonicalJson(labels)) return;
    const update = async (ep: Endpoints) => {
      const next = structuredClone(ep);
      next.metadata!.labels = labels;
      next.subsets = subsets;
      await client.update(next);
    };
    try {
      try {
        if (current) await update(current);
        else await client.create(Endpoints.fromPartial({ metadata: { name: svc.metadata!.name, namespace: svc.metadata!.namespace, labels }, subsets }));
      } catch (err) {
        // Our cache is behind our own last write: redo it once on what the apiserver has.
        if (!isConflict(err) && !isAlreadyExists(err)) throw err;
        await update(await client.get(svc.metadata!.name, svc.metadata!.namespace));
      }
    } catch (err) {
      if (isForbiddenTerminating(err)) return;
      const verb = current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint';
      this.recorder.event(svc, 'Warning', verb, `Failed to ${current ? 'update' : 'create'} endpoint ${key}: ${(err as Error).message}`);
      throw err;
    }
  }
}
