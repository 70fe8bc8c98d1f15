// The EndpointSlice controller (Kubernetes' pkg/controller/endpointslice): for every Service with
// a selector, EndpointSlices labelled kubernetes.io/service-name=<svc> and
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io, owned by the Service,
// holding its pods in slices of at most --max-endpoints-per-slice. The reconciler decides the
// writes; a tracker of its own writes keeps it from acting on a cache that has not caught up.
// Slices of a deleted Service go with it through the garbage collector (their owner reference).
import { isNotFound } from '../../../lib/api/errors';
import { EndpointSlices, Nodes, Pods, Services } from '../../../lib/api/kinds';
import { labelsToSelectorString, parseLabelSelector } from '../../../lib/api/selectors';
import type { Node, Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import type { EventRecorder } from '../../../lib/events';
import { enqueueHandler, type Lister, type SharedInformer } from '../../../lib/informer';
import { isForbiddenTerminating } from '../common/errors';
import { serviceSelector, servicePodHandler } from '../common/service-pods';
import { QueueController, type ControllerContext } from '../controller';
import { CONTROLLER_NAME, reconcileSlices, type SliceChanges } from './reconciler';
import { dropPendingDeletion, LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './slice-utils';
import { EndpointSliceTracker } from './slice-tracker';
import { TriggerTimeTracker } from './trigger-time-tracker';

export interface EndpointSliceControllerOptions {
  /** Concurrent syncs (--concurrent-service-endpoint-syncs). */
  workers: number;
  /** --max-endpoints-per-slice. */
  maxEndpointsPerSlice: number;
}

export const DEFAULT_ENDPOINTSLICE_OPTIONS: EndpointSliceControllerOptions = { workers: 5, maxEndpointsPerSlice: 100 };

/** The key of the Service a slice belongs to, if this controller manages it. */
function managedServiceKey(s: EndpointSlice): string | undefined {
  const labels = s.metadata?.labels ?? {};
  if (labels[LABEL_MANAGED_BY] !== CONTROLLER_NAME || !labels[LABEL_SERVICE_NAME]) return undefined;
  return `${s.metadata!.namespace}/${labels[LABEL_SERVICE_NAME]}`;
}

export class EndpointSliceController extends QueueController<EndpointSliceControllerOptions> {
  readonly name = 'endpointslice';
  private readonly svcInformer: SharedInformer<Service>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly sliceInformer: SharedInformer<EndpointSlice>;
  private readonly svcLister: Lister<Service>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly sliceLister: Lister<EndpointSlice>;
  private readonly recorder: EventRecorder = this.ctx.recorder('endpoint-slice-controller');
  readonly tracker = new EndpointSliceTracker((s) => `${s.metadata!.namespace}/${s.metadata?.labels[LABEL_SERVICE_NAME] ?? ''}`);
  private readonly triggerTimes = new TriggerTimeTracker();

  constructor(ctx: ControllerContext, opts: Partial<EndpointSliceControllerOptions> = {}) {
    super(ctx, 'endpointslice-controller', DEFAULT_ENDPOINTSLICE_OPTIONS, opts);
    this.svcInformer = ctx.informers.forKind(Services);
    this.podInformer = ctx.informers.forKind(Pods);
    this.nodeInformer = ctx.informers.forKind(Nodes);
    this.sliceInformer = ctx.informers.forKind(EndpointSlices);
    this.svcLister = this.svcInformer.lister();
    this.podLister = this.podInformer.lister();
    this.nodeLister = this.nodeInformer.lister();
    this.sliceLister = this.sliceInformer.lister();
    this.svcInformer.addEventHandler(enqueueHandler(this.queue));
    this.podInformer.addEventHandler(servicePodHandler(this.svcLister, this.queue));
    // Someone else changed or deleted one of our slices: sync its Service again.
    this.sliceInformer.addEventHandler({
      onAdd: (s) => this.onSliceChange(s),
      onUpdate: (o, s) => {
        this.onSliceChange(s);
        const old = managedServiceKey(o);
        if (old && old !== managedServiceKey(s)) this.queue.add(old);
      },
      onDelete: (s) => {
        const key = managedServiceKey(s);
        if (key && this.tracker.has(s) && this.tracker.handleDeletion(s)) this.queue.add(key);
      },
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.svcInformer, this.podInformer, this.nodeInformer, this.sliceInformer];
  }

  private onSliceChange(s: EndpointSlice): void {
    const key = managedServiceKey(s);
    if (key && this.tracker.shouldSync(s)) this.queue.add(key);
  }

  async reconcile(key: string): Promise<void> {
    const svc = this.svcLister.get(key);
    if (!svc) {
      this.triggerTimes.delete(key);
      this.tracker.deleteService(key);
      return;
    }
    // ExternalName Services get no endpoints; selector-less ones get slices written by others.
    if (svc.spec?.type === 'ExternalName') return;
    const selector = serviceSelector(svc);
    if (!selector) return;
    const { namespace, name } = svc.metadata!;
    const pods = this.podLister.namespace(namespace).list(selector);
    const sliceSelector = parseLabelSelector(labelsToSelectorString({ [LABEL_SERVICE_NAME]: name, [LABEL_MANAGED_BY]: CONTROLLER_NAME }));
    const slices = dropPendingDeletion(this.sliceLister.namespace(namespace).list(sliceSelector));
    if (this.tracker.stale(key, slices)) throw new Error('EndpointSlice informer cache is out of date');
    const triggerTimeMs = this.triggerTimes.compute(key, svc, pods);
    const { changes, errors } = reconcileSlices({
      service: svc,
      pods,
      existing: slices,
      node: (n) => this.nodeLister.get(n),
      maxEndpointsPerSlice: this.opts.maxEndpointsPerSlice,
      triggerTimeMs,
    });
    try {
      await this.write(namespace, changes);
    } catch (err) {
      // Creates in a namespace being deleted keep failing: nothing to do.
      if (isForbiddenTerminating(err)) return;
      errors.push((err as Error).message);
    }
    if (errors.length === 0) return;
    // Kubernetes' aggregate error: the error itself, or "[a, b]" for several.
    const message = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
    this.recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${message}`);
    throw new Error(message);
  }

  private async write(namespace: string, changes: SliceChanges): Promise<void> {
    const client = this.ctx.client.resource(EndpointSlices);
    for (const s of changes.create) this.tracker.update(await client.create(s, { namespace }));
    for (const s of changes.update) this.tracker.update(await client.update(s));
    for (const s of changes.delete) {
      this.tracker.expectDeletion(s);
      try {
        await client.delete(s.metadata!.name, { namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}
