// The horizontal pod autoscaler (Kubernetes' pkg/controller/podautoscaler HorizontalController):
// every sync period (--horizontal-pod-autoscaler-sync-period, 15 s) each HPA reads its target's
// scale subresource (Deployments, ReplicaSets, StatefulSets), the pods its selector picks and
// their metrics, works out the replica count each metric wants (replica-calculator.ts), takes
// the largest, stabilizes and bounds it (normalization.ts), updates the scale when it differs,
// and writes status (current/desired replicas, current metrics, lastScaleTime) with the
// AbleToScale, ScalingActive and ScalingLimited conditions, and events as Kubernetes words them.
import { Deployments, HorizontalPodAutoscalers, objectKey, PodMetricsKind, Pods, ReplicaSets, StatefulSets, type KindInfo } from '../../../lib/api/kinds';
import { formatMilliQuantity, quantityMilliValue } from '../../../lib/api/quantity';
import { parseLabelSelector, type Selector } from '../../../lib/api/selectors';
import type { EventRecorder } from '../../../lib/events';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus, MetricSpec, MetricStatus } from '../../../lib/gen/kite/autoscaling/v2/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { LabelSelector } from '../../../lib/gen/kite/meta/v1/meta';
import type { Lister, SharedInformer } from '../../../lib/informer';
import { jsonEqual } from '../../../lib/util/json';
import { rfc3339 } from '../../../lib/util/time';
import type { ReconcileResult } from '../../../lib/workqueue';
import { QueueController, type ControllerContext } from '../controller';
import { podMetricsClient, type MetricsClient } from './metrics-client';
import { ScalingHistory, type ResolvedBehavior } from './normalization';
import { DEFAULT_REPLICA_CALCULATOR_OPTIONS, ReplicaCalculator, type ReplicaCalculatorOptions } from './replica-calculator';

export interface HorizontalControllerOptions extends ReplicaCalculatorOptions {
  /** Concurrent syncs (--concurrent-horizontal-pod-autoscaler-syncs). */
  workers: number;
  /** --horizontal-pod-autoscaler-sync-period (ms). */
  syncPeriodMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (ms). */
  downscaleStabilizationMs: number;
  /** The resource metrics API; default the metrics.k8s.io PodMetrics through the apiserver. */
  metricsClient?: MetricsClient;
}

export const DEFAULT_HPA_OPTIONS: HorizontalControllerOptions = {
  ...DEFAULT_REPLICA_CALCULATOR_OPTIONS,
  workers: 5,
  syncPeriodMs: 15_000,
  downscaleStabilizationMs: 5 * 60_000,
};

/** The kinds whose scale subresource an HPA may target, by group and kind. */
const SCALE_TARGETS: Record<string, KindInfo<any>> = {
  'apps/Deployment': Deployments,
  'apps/ReplicaSet': ReplicaSets,
  'apps/StatefulSet': StatefulSets,
};

type Condition = { status: 'True' | 'False'; reason: string; message: string };

/** What Kubernetes' custom metrics client says when discovery lists no custom.metrics.k8s.io. */
const NO_CUSTOM_METRICS_API = 'unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered';

/** A *metav1.LabelSelector as Go's %+v prints it (its generated String(), map keys sorted), "nil" when unset. */
function goLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return 'nil';
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels[k]},`)
    .join('');
  const exprs = (sel.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${e.values.join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/** What one metric asks for, or why it cannot say. */
interface MetricProposal {
  replicas: number;
  /** "cpu resource utilization (percentage of request)". */
  name: string;
  status: MetricStatus;
}

/** A metric that could not be worked out: the ScalingActive condition it sets, and the statuses of the others. */
class MetricError extends Error {
  statuses?: MetricStatus[];
  constructor(
    message: string,
    readonly condition: Condition,
  ) {
    super(message);
  }
}

export class HorizontalController extends QueueController<HorizontalControllerOptions> {
  readonly name = 'horizontalpodautoscaling';
  private readonly hpaInformer: SharedInformer<HorizontalPodAutoscaler>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly hpaLister: Lister<HorizontalPodAutoscaler>;
  private readonly podLister: Lister<Pod>;
  private readonly recorder: EventRecorder = this.ctx.recorder('horizontal-pod-autoscaler');
  private readonly calculator: ReplicaCalculator;
  readonly history: ScalingHistory;
  private readonly metrics: MetricsClient;

  constructor(ctx: ControllerContext, opts: Partial<HorizontalControllerOptions> = {}) {
    super(ctx, 'horizontal-pod-autoscaler', DEFAULT_HPA_OPTIONS, opts);
    const podMetrics = ctx.client.resource(PodMetricsKind);
    this.metrics = opts.metricsClient ?? podMetricsClient(async (namespace, labelSelector) => (await podMetrics.list({ namespace, labelSelector })).items);
    this.calculator = new ReplicaCalculator(this.opts);
    this.history = new ScalingHistory(this.opts.downscaleStabilizationMs);
    this.hpaInformer = ctx.informers.forKind(HorizontalPodAutoscalers);
    this.podInformer = ctx.informers.forKind(Pods);
    this.hpaLister = this.hpaInformer.lister();
    this.podLister = this.podInformer.lister();
    // Kubernetes' enqueueHPA: every HPA waits one sync period in the queue, so each is synced once a period.
    const enqueue = (h: HorizontalPodAutoscaler) => this.queue.addAfter(objectKey(h), this.opts.syncPeriodMs);
    this.hpaInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, h) => enqueue(h), onDelete: (h) => this.queue.add(objectKey(h)) });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.hpaInformer, this.podInformer];
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const shared = this.hpaLister.get(key);
    if (!shared) {
      this.history.forget(key);
      return;
    }
    try {
      await this.reconcileAutoscaler(structuredClone(shared), key);
    } catch (err) {
      // Failures are on the HPA as events and conditions; the next period tries again.
      this.log.warn({ hpa: key, err: (err as Error).message }, 'failed to reconcile the autoscaler');
    }
    return { requeueAfter: this.opts.syncPeriodMs };
  }

  private async reconcileAutoscaler(hpa: HorizontalPodAutoscaler, key: string): Promise<void> {
    const old = structuredClone(hpa.status!);
    const spec = hpa.spec!;
    const ref = spec.scaleTargetRef!;
    const ns = hpa.metadata!.namespace;
    const reference = `${ref.kind}/${ref.name}`;
    const now = this.ctx.now();
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const target = SCALE_TARGETS[`${group}/${ref.kind}`];
    let scale;
    try {
      if (!target) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
      scale = await this.ctx.client.resource(target).getScale(ref.name, ns);
    } catch (err) {
      const message = (err as Error).message;
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', message);
      this.setCondition(hpa, 'AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${message}` }, now);
      await this.updateStatusIfNeeded(old, hpa);
      throw new Error(`failed to query scale subresource for ${reference}: ${message}`);
    }
    this.setCondition(hpa, 'AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" }, now);
    const currentReplicas = scale.spec?.replicas ?? 0;
    this.history.recordInitial(key, currentReplicas, now);

    const minReplicas = spec.minReplicas ?? 1;
    let desiredReplicas = 0;
    let rescaleReason = '';
    // Only a metrics computation reports current metrics (none when outside min/max or scaled to 0).
    let metricStatuses: MetricStatus[] = [];
    let rescale = true;
    if (currentReplicas === 0 && minReplicas !== 0) {
      // Autoscaling is off while the target is scaled to zero.
      rescale = false;
      this.setCondition(hpa, 'ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' }, now);
    } else if (currentReplicas > spec.maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = spec.maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      let computed;
      try {
        computed = await this.computeReplicasForMetrics(hpa, scale.status?.selector ?? '', currentReplicas, now);
      } catch (err) {
        if (err instanceof MetricError) this.setCondition(hpa, 'ScalingActive', err.condition, now);
        this.setStatus(hpa, currentReplicas, old.desiredReplicas, (err instanceof MetricError && err.statuses) || old.currentMetrics, false, now);
        await this.updateStatusIfNeeded(old, hpa);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${(err as Error).message}`);
      }
      metricStatuses = computed.statuses;
      desiredReplicas = computed.replicas;
      if (desiredReplicas > currentReplicas) rescaleReason = `${computed.name} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      desiredReplicas = this.normalize(hpa, key, currentReplicas, desiredReplicas, minReplicas, now);
      rescale = desiredReplicas !== currentReplicas;
    }

    if (rescale) {
      try {
        await this.ctx.client.resource(target).updateScale(ref.name, desiredReplicas, ns);
      } catch (err) {
        const message = (err as Error).message;
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${message}`);
        this.setCondition(hpa, 'AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${message}` }, now);
        this.setStatus(hpa, currentReplicas, old.desiredReplicas, metricStatuses, false, now);
        await this.updateStatusIfNeeded(old, hpa);
        throw new Error(`failed to rescale ${reference}: ${message}`);
      }
      this.setCondition(hpa, 'AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` }, now);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      const behavior = this.behaviorOf(hpa);
      if (behavior) this.history.recordScaleEvent(key, behavior, currentReplicas, desiredReplicas, now);
      this.log.info({ hpa: key, from: currentReplicas, to: desiredReplicas, reason: rescaleReason }, 'successful rescale');
    } else {
      desiredReplicas = currentReplicas;
    }
    this.setStatus(hpa, currentReplicas, desiredReplicas, metricStatuses, rescale, now);
    await this.updateStatusIfNeeded(old, hpa);
  }

  /** The HPA's behavior with every field set, or undefined when it has none. */
  private behaviorOf(hpa: HorizontalPodAutoscaler): ResolvedBehavior | undefined {
    const b = hpa.spec?.behavior;
    if (!b?.scaleUp || !b.scaleDown) return undefined;
    const resolve = (r: NonNullable<typeof b.scaleUp>, window: number) => ({
      policies: r.policies,
      selectPolicy: r.selectPolicy ?? 'Max',
      stabilizationWindowSeconds: r.stabilizationWindowSeconds ?? window,
    });
    return { scaleUp: resolve(b.scaleUp, 0), scaleDown: resolve(b.scaleDown, Math.floor(this.opts.downscaleStabilizationMs / 1000)) };
  }

  private normalize(hpa: HorizontalPodAutoscaler, key: string, currentReplicas: number, desired: number, minReplicas: number, now: number): number {
    const args = { key, currentReplicas, desiredReplicas: desired, minReplicas, maxReplicas: hpa.spec!.maxReplicas, now };
    const behavior = this.behaviorOf(hpa);
    const n = behavior ? this.history.normalizeWithBehavior(args, behavior) : this.history.normalize(args);
    this.setCondition(hpa, 'AbleToScale', { status: 'True', ...n.ableToScale }, now);
    this.setCondition(hpa, 'ScalingLimited', { status: n.scalingLimited.limited ? 'True' : 'False', reason: n.scalingLimited.reason, message: n.scalingLimited.message }, now);
    return n.desiredReplicas;
  }

  /** computeReplicasForMetrics: the largest proposal of the metrics that could be worked out. */
  private async computeReplicasForMetrics(hpa: HorizontalPodAutoscaler, selectorText: string, currentReplicas: number, now: number) {
    const selector = this.parseSelector(hpa, selectorText);
    const pods = this.podLister.namespace(hpa.metadata!.namespace).list().filter((p) => selector.matches(p.metadata?.labels ?? {}));
    const specs = hpa.spec!.metrics;
    const statuses: MetricStatus[] = specs.map(() => ({ type: '' }));
    let best: MetricProposal | undefined;
    let firstError: MetricError | undefined;
    let invalid = 0;
    for (const [i, spec] of specs.entries()) {
      try {
        const p = await this.computeReplicasForMetric(hpa, spec, selectorText, currentReplicas, pods, now);
        statuses[i] = p.status;
        if (!best || p.replicas > best.replicas) best = p;
      } catch (err) {
        invalid++;
        firstError ??= err instanceof MetricError ? err : new MetricError((err as Error).message, { status: 'False', reason: 'FailedGetMetric', message: (err as Error).message });
      }
    }
    // All metrics failed, or a failing one might have asked for more than a scale-down.
    if (invalid >= specs.length || (invalid > 0 && best!.replicas < currentReplicas)) {
      const err = new MetricError(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError!.message}`, firstError!.condition);
      this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', err.message);
      err.statuses = statuses;
      throw err;
    }
    this.setCondition(hpa, 'ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${best!.name}` }, now);
    return { replicas: best!.replicas, name: best!.name, statuses };
  }

  /** validateAndParseSelector. */
  private parseSelector(hpa: HorizontalPodAutoscaler, text: string): Selector {
    const fail = (reason: string, event: string, message: string): never => {
      this.recorder.event(hpa, 'Warning', reason, event);
      throw new MetricError(event, { status: 'False', reason: 'InvalidSelector', message });
    };
    if (!text) return fail('SelectorRequired', 'selector is required', "the HPA target's scale is missing a selector");
    try {
      return parseLabelSelector(text);
    } catch (err) {
      const message = `couldn't convert selector into a corresponding internal selector object: ${(err as Error).message}`;
      return fail('InvalidSelector', message, message);
    }
  }

  /** computeReplicasForMetric for resource and container resource metrics (the resource metrics API); other sources fail as without their API. */
  private async computeReplicasForMetric(hpa: HorizontalPodAutoscaler, spec: MetricSpec, selector: string, currentReplicas: number, pods: Pod[], now: number): Promise<MetricProposal> {
    const source = spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    if (!source) return this.failWithoutMetricsApi(hpa, spec);
    const container = spec.type === 'ContainerResource' ? spec.containerResource!.container : '';
    const label = container ? `${source.name} container resource` : `${source.name} resource`;
    const reason = container ? 'FailedGetContainerResourceMetric' : 'FailedGetResourceMetric';
    const target = source.target;
    try {
      const { metrics } = await this.metrics.getResourceMetric(source.name, hpa.metadata!.namespace, selector, container).catch((err: Error) => {
        throw new Error(`unable to get metrics for resource ${source.name}: ${err.message}`);
      });
      const current: { averageValue?: string; averageUtilization?: number } = {};
      let proposal;
      // Kubernetes names an average value target "cpu resource" for both sources.
      let name = `${source.name} resource`;
      if (target?.averageValue !== undefined) {
        proposal = this.calculator.rawResourceReplicas(currentReplicas, quantityMilliValue(target.averageValue), source.name, container, pods, metrics, now);
      } else if (target?.averageUtilization !== undefined) {
        proposal = this.calculator.resourceReplicas(currentReplicas, target.averageUtilization, source.name, container, pods, metrics, now);
        current.averageUtilization = proposal.utilization;
        name = `${label} utilization (percentage of request)`;
      } else {
        throw new Error('invalid resource metric source: neither a utilization target nor a value target was set');
      }
      current.averageValue = formatMilliQuantity(proposal.rawAverageValue);
      const status: MetricStatus = container
        ? { type: 'ContainerResource', containerResource: { name: source.name, container, current } }
        : { type: 'Resource', resource: { name: source.name, current } };
      return { replicas: proposal.replicas, name, status };
    } catch (err) {
      const what = target?.averageValue !== undefined ? 'usage' : 'utilization';
      const message = `failed to get ${source.name} ${what}: ${(err as Error).message}`;
      this.recorder.event(hpa, 'Warning', reason, message);
      const wrapped = container ? `failed to get ${container} container metric value: ${message}` : `failed to get ${source.name} resource metric value: ${message}`;
      throw new MetricError(wrapped, { status: 'False', reason, message: `the HPA was unable to compute the replica count: ${message}` });
    }
  }

  /**
   * Pods, Object and External metrics: Kite serves no custom or external metrics API, so each
   * fails as Kubernetes' controller does without one registered (its custom metrics client finds
   * no custom.metrics.k8s.io in discovery; the external metrics API answers 404), with the event
   * and ScalingActive condition its computeStatusFor*Metric write, in its words.
   */
  private failWithoutMetricsApi(hpa: HorizontalPodAutoscaler, spec: MetricSpec): never {
    const ns = hpa.metadata!.namespace;
    let reason: string;
    let cause: string;
    let wrapped: (cause: string) => string;
    if (spec.type === 'Pods') {
      const name = spec.pods?.metric?.name ?? '';
      reason = 'FailedGetPodsMetric';
      cause = `unable to get metric ${name}: ${NO_CUSTOM_METRICS_API}`;
      wrapped = (c) => `failed to get pods metric value: ${c}`;
    } else if (spec.type === 'Object') {
      const { metric, describedObject: ref, target } = spec.object ?? {};
      const name = metric?.name ?? '';
      reason = 'FailedGetObjectMetric';
      // GetObjectMetricReplicas' message, its arguments in Kubernetes' order.
      cause = `unable to get metric ${name}: ${ref?.kind ?? ''} on ${ns} ${ref?.name ?? ''}/${NO_CUSTOM_METRICS_API}`;
      if (target?.type === 'Value' && target.value !== undefined) wrapped = (c) => `failed to get object metric value: ${c}`;
      else if (target?.type === 'AverageValue' && target.averageValue !== undefined) wrapped = (c) => `failed to get object metric value: failed to get ${name} object metric: ${c}`;
      else [cause, wrapped] = ['invalid object metric source: neither a value target nor an average value target was set', (c) => `failed to get object metric value: ${c}`];
    } else if (spec.type === 'External') {
      const { metric, target } = spec.external ?? {};
      const name = metric?.name ?? '';
      reason = 'FailedGetExternalMetric';
      cause = `unable to get external metric ${ns}/${name}/${goLabelSelector(metric?.selector)}: unable to fetch metrics from external metrics API: the server could not find the requested resource (get ${name}.external.metrics.k8s.io)`;
      const outer = (c: string) => `failed to get ${name} external metric value: ${c}`;
      if (target?.averageValue !== undefined) wrapped = (c) => outer(`failed to get ${name} external metric: ${c}`);
      else if (target?.value !== undefined) wrapped = (c) => outer(`failed to get external metric ${name}: ${c}`);
      else [cause, wrapped] = ['invalid external metric source: neither a value target nor an average value target was set', outer];
    } else {
      reason = 'InvalidMetricSourceType';
      cause = `unknown metric source type "${spec.type}"`;
      wrapped = (c) => c;
    }
    this.recorder.event(hpa, 'Warning', reason, cause);
    throw new MetricError(wrapped(cause), { status: 'False', reason, message: `the HPA was unable to compute the replica count: ${cause}` });
  }

  /** setCondition: lastTransitionTime moves only when the status changes. */
  private setCondition(hpa: HorizontalPodAutoscaler, type: string, c: Condition, now: number): void {
    const conditions = hpa.status!.conditions;
    let existing = conditions.find((x) => x.type === type);
    if (!existing) conditions.push((existing = { type, status: '', lastTransitionTime: '', reason: '', message: '' }));
    if (existing.status !== c.status) existing.lastTransitionTime = rfc3339(new Date(now));
    Object.assign(existing, c);
  }

  private setStatus(hpa: HorizontalPodAutoscaler, currentReplicas: number, desiredReplicas: number, currentMetrics: MetricStatus[], rescale: boolean, now: number): void {
    const s = hpa.status!;
    hpa.status = { ...s, currentReplicas, desiredReplicas, currentMetrics, lastScaleTime: rescale ? rfc3339(new Date(now)) : s.lastScaleTime };
  }

  private async updateStatusIfNeeded(old: HorizontalPodAutoscalerStatus, hpa: HorizontalPodAutoscaler): Promise<void> {
    if (jsonEqual(old, hpa.status)) return;
    try {
      await this.ctx.client.resource(HorizontalPodAutoscalers).updateStatus(hpa);
    } catch (err) {
      this.recorder.event(hpa, 'Warning', 'FailedUpdateStatus', (err as Error).message);
      throw new Error(`failed to update status for ${hpa.metadata!.name}: ${(err as Error).message}`);
    }
  }
}
