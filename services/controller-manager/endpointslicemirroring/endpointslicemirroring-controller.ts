// The EndpointSlice mirroring controller (Kubernetes' pkg/controller/endpointslicemirroring):
// the Endpoints of a Service without a selector, written by hand, mirrored into EndpointSlices
// managed by endpointslicemirroring-controller.k8s.io, so that readers of slices (kube-proxy,
// cluster DNS) see them too. Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true or
// holding a leader-election record are left alone; mirrored slices go when the Endpoints or the
// Service go, or when the Service gains a selector.
import { isNotFound } from '../../../lib/api/errors';
import { EndpointSlices, EndpointsKind, objectKey, Services } from '../../../lib/api/kinds';
import { labelsToSelectorString, parseLabelSelector } from '../../../lib/api/selectors';
import type { Endpoints, Service } from '../../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import type { EventRecorder } from '../../../lib/events';
import type { Lister, SharedInformer } from '../../../lib/informer';
import { isForbiddenTerminating } from '../common/errors';
import { QueueController, type ControllerContext } from '../controller';
import { EndpointSliceTracker } from '../endpointslice/slice-tracker';
import { dropPendingDeletion, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR } from '../endpointslice/slice-utils';
import { MIRRORING_CONTROLLER_NAME, reconcileMirror } from './mirroring-reconciler';

/** resourcelock.LeaderElectionRecordAnnotationKey: Endpoints used as a lock are not mirrored. */
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export interface EndpointSliceMirroringControllerOptions {
  /** Concurrent syncs (--mirroring-concurrent-service-endpoint-syncs). */
  workers: number;
  /** --mirroring-max-endpoints-per-subset. */
  maxEndpointsPerSubset: number;
}

export const DEFAULT_MIRRORING_OPTIONS: EndpointSliceMirroringControllerOptions = { workers: 5, maxEndpointsPerSubset: 1000 };

const hasSelector = (svc: Service) => Object.keys(svc.spec?.selector ?? {}).length > 0;

function shouldMirror(ep: Endpoints | undefined): boolean {
  if (!ep) return false;
  return ep.metadata?.labels[LABEL_SKIP_MIRROR] !== 'true' && !(LEADER_ELECTION_ANNOTATION in (ep.metadata?.annotations ?? {}));
}

const isMirrored = (s: EndpointSlice) => s.metadata?.labels[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME;

function endpointsKeyOf(s: EndpointSlice): string | undefined {
  const svc = s.metadata?.labels[LABEL_SERVICE_NAME];
  return svc ? `${s.metadata!.namespace}/${svc}` : undefined;
}

export class EndpointSliceMirroringController extends QueueController<EndpointSliceMirroringControllerOptions> {
  readonly name = 'endpointslicemirroring';
  private readonly svcInformer: SharedInformer<Service>;
  private readonly epInformer: SharedInformer<Endpoints>;
  private readonly sliceInformer: SharedInformer<EndpointSlice>;
  private readonly svcLister: Lister<Service>;
  private readonly epLister: Lister<Endpoints>;
  private readonly sliceLister: Lister<EndpointSlice>;
  private readonly recorder: EventRecorder = this.ctx.recorder('endpoint-slice-mirroring-controller');
  readonly tracker = new EndpointSliceTracker((s) => endpointsKeyOf(s) ?? '');

  constructor(ctx: ControllerContext, opts: Partial<EndpointSliceMirroringControllerOptions> = {}) {
    super(ctx, 'endpointslicemirroring-controller', DEFAULT_MIRRORING_OPTIONS, opts);
    this.svcInformer = ctx.informers.forKind(Services);
    this.epInformer = ctx.informers.forKind(EndpointsKind);
    this.sliceInformer = ctx.informers.forKind(EndpointSlices);
    this.svcLister = this.svcInformer.lister();
    this.epLister = this.epInformer.lister();
    this.sliceLister = this.sliceInformer.lister();
    const add = (o: Service | Endpoints) => this.queue.add(objectKey(o));
    this.svcInformer.addEventHandler({
      onAdd: (s) => !hasSelector(s) && add(s),
      onUpdate: (o, s) => hasSelector(o) !== hasSelector(s) && add(s),
      onDelete: (s) => !hasSelector(s) && add(s),
    });
    this.epInformer.addEventHandler({
      onAdd: (e) => shouldMirror(e) && add(e),
      onUpdate: (o, e) => (shouldMirror(o) || shouldMirror(e)) && add(e),
      onDelete: (e) => shouldMirror(e) && add(e),
    });
    this.sliceInformer.addEventHandler({
      onAdd: (s) => isMirrored(s) && this.tracker.shouldSync(s) && this.queueFor(s),
      onUpdate: (o, s) => {
        if (endpointsKeyOf(o) !== endpointsKeyOf(s)) {
          this.queueFor(o);
          this.queueFor(s);
        } else if (isMirrored(o) !== isMirrored(s) || (isMirrored(s) && this.tracker.shouldSync(s))) this.queueFor(s);
      },
      onDelete: (s) => isMirrored(s) && this.tracker.has(s) && this.tracker.handleDeletion(s) && this.queueFor(s),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.svcInformer, this.epInformer, this.sliceInformer];
  }

  private queueFor(s: EndpointSlice): void {
    const key = endpointsKeyOf(s);
    if (key) this.queue.add(key);
  }

  private mirrored(namespace: string, name: string): EndpointSlice[] {
    const selector = parseLabelSelector(labelsToSelectorString({ [LABEL_SERVICE_NAME]: name, [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME }));
    return this.sliceLister.namespace(namespace).list(selector);
  }

  async reconcile(key: string): Promise<void> {
    const ep = this.epLister.get(key);
    const svc = this.svcLister.get(key);
    const [namespace, name] = key.split('/');
    // No Endpoints to mirror, or a Service that does not want them mirrored: mirrored slices go.
    if (!ep || !shouldMirror(ep) || !svc || hasSelector(svc)) {
      this.tracker.deleteService(key);
      await this.deleteSlices(namespace, this.mirrored(namespace, name));
      return;
    }
    const slices = dropPendingDeletion(this.mirrored(namespace, name));
    if (this.tracker.stale(key, slices)) throw new Error('EndpointSlice informer cache is out of date');
    const { changes, invalid, skipped } = reconcileMirror(ep, slices, this.opts.maxEndpointsPerSubset);
    if (invalid > 0) this.recorder.event(ep, 'Warning', 'InvalidIPAddress', `Skipped ${invalid} invalid IP addresses when mirroring to EndpointSlices`);
    if (skipped > invalid) {
      this.recorder.event(ep, 'Warning', 'TooManyAddressesToMirror', `A max of ${this.opts.maxEndpointsPerSubset} addresses can be mirrored to EndpointSlices per Endpoints subset. ${skipped} addresses were skipped`);
    }
    const client = this.ctx.client.resource(EndpointSlices);
    try {
      for (const s of changes.create) this.tracker.update(await client.create(s, { namespace }));
      for (const s of changes.update) this.tracker.update(await client.update(s));
    } catch (err) {
      if (isForbiddenTerminating(err)) return;
      throw err;
    }
    for (const s of changes.delete) this.tracker.expectDeletion(s);
    await this.deleteSlices(namespace, changes.delete);
  }

  private async deleteSlices(namespace: string, slices: EndpointSlice[]): Promise<void> {
    const client = this.ctx.client.resource(EndpointSlices);
    for (const s of slices) {
      try {
        await client.delete(s.metadata!.name, { namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}
