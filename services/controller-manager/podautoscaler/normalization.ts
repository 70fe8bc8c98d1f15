// How the HPA controller turns a metrics recommendation into the replica count it sets
// (Kubernetes' horizontal.go normalizeDesiredReplicas and normalizeDesiredReplicasWithBehaviors):
// the recommendation is stabilized against the recent ones (without a behavior: the highest of
// the downscale stabilization window; with one: between the lowest of the scale-up window and
// the highest of the scale-down window), then bounded by min/max replicas and the scale rate
// (without a behavior: at most max(2 x current, 4); with one: the policies over their periods,
// from the scale events of this controller). Each step says why through the AbleToScale and
// ScalingLimited conditions. The history lives in memory per HPA, as Kubernetes keeps it.
import type { HPAScalingRules } from '../../../lib/gen/kite/autoscaling/v2/types';

export interface ConditionUpdate {
  reason: string;
  message: string;
}

export interface Normalized {
  desiredReplicas: number;
  /** AbleToScale (status True). */
  ableToScale: ConditionUpdate;
  /** ScalingLimited: True when the bounds changed the stabilized recommendation. */
  scalingLimited: ConditionUpdate & { limited: boolean };
}

interface TimestampedRecommendation {
  recommendation: number;
  timestamp: number;
}

interface TimestampedScaleEvent {
  replicaChange: number;
  timestamp: number;
  outdated: boolean;
}

/** scaleUpLimitFactor and scaleUpLimitMinimum: the scale rate bound without a behavior. */
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

const READY_FOR_NEW_SCALE: ConditionUpdate = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const SCALE_DOWN_STABILIZED: ConditionUpdate = {
  reason: 'ScaleDownStabilized',
  message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
};
const SCALE_UP_STABILIZED: ConditionUpdate = {
  reason: 'ScaleUpStabilized',
  message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
};
const WITHIN_RANGE: ConditionUpdate = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_FEW: ConditionUpdate = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const TOO_MANY: ConditionUpdate = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const SCALE_UP_LIMIT: ConditionUpdate = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const SCALE_DOWN_LIMIT: ConditionUpdate = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

export interface NormalizeArgs {
  key: string;
  currentReplicas: number;
  /** The recommendation from the metrics. */
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  /** Wall clock (ms since the epoch). */
  now: number;
}

/** Rules with every field set, as the controller uses them (the scale-down window from its flag when unset). */
export interface ResolvedBehavior {
  scaleUp: Required<HPAScalingRules>;
  scaleDown: Required<HPAScalingRules>;
}

/** The recommendations and scale events of every HPA, by key. */
export class ScalingHistory {
  private readonly recommendations = new Map<string, TimestampedRecommendation[]>();
  private readonly scaleUpEvents = new Map<string, TimestampedScaleEvent[]>();
  private readonly scaleDownEvents = new Map<string, TimestampedScaleEvent[]>();

  constructor(
    /** --horizontal-pod-autoscaler-downscale-stabilization (ms). */
    readonly downscaleStabilizationMs: number,
  ) {}

  /** An HPA seen for the first time starts with its current count as a recommendation (recordInitialRecommendation). */
  recordInitial(key: string, currentReplicas: number, now: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ recommendation: currentReplicas, timestamp: now }]);
  }

  /** Forgets a deleted HPA. */
  forget(key: string): void {
    this.recommendations.delete(key);
    this.scaleUpEvents.delete(key);
    this.scaleDownEvents.delete(key);
  }

  /** normalizeDesiredReplicas: no behavior, the downscale window and the legacy scale-up rate. */
  normalize(a: NormalizeArgs): Normalized {
    const stabilized = this.stabilize(a.key, a.desiredReplicas, a.now);
    const ableToScale = stabilized !== a.desiredReplicas ? SCALE_DOWN_STABILIZED : READY_FOR_NEW_SCALE;
    const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * a.currentReplicas, SCALE_UP_LIMIT_MINIMUM);
    const [maximum, upperReason] = a.maxReplicas > scaleUpLimit ? [scaleUpLimit, SCALE_UP_LIMIT] : [a.maxReplicas, TOO_MANY];
    let desired = stabilized;
    let reason = WITHIN_RANGE;
    if (stabilized < a.minReplicas) [desired, reason] = [a.minReplicas, TOO_FEW];
    else if (stabilized > maximum) [desired, reason] = [maximum, upperReason];
    return { desiredReplicas: desired, ableToScale, scalingLimited: { ...reason, limited: desired !== stabilized } };
  }

  /** normalizeDesiredReplicasWithBehaviors. */
  normalizeWithBehavior(a: NormalizeArgs, behavior: ResolvedBehavior): Normalized {
    const { recommendation, stabilizedReason } = this.stabilizeWithBehavior(a, behavior);
    const ableToScale = recommendation !== a.desiredReplicas ? stabilizedReason : READY_FOR_NEW_SCALE;
    const { desiredReplicas, reason } = this.boundByRate({ ...a, desiredReplicas: recommendation }, behavior);
    return { desiredReplicas, ableToScale, scalingLimited: { ...reason, limited: desiredReplicas !== recommendation } };
  }

  /** storeScaleEvent: a rescale done under a behavior, for its policies' periods. */
  recordScaleEvent(key: string, behavior: ResolvedBehavior, prevReplicas: number, newReplicas: number, now: number): void {
    const up = newReplicas > prevReplicas;
    const events = up ? this.scaleUpEvents : this.scaleDownEvents;
    const rules = up ? behavior.scaleUp : behavior.scaleDown;
    const list = events.get(key) ?? [];
    const longestPeriodMs = Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    for (const e of list) if (e.timestamp < now - longestPeriodMs) e.outdated = true;
    const event = { replicaChange: Math.abs(newReplicas - prevReplicas), timestamp: now, outdated: false };
    const old = list.findIndex((e) => e.outdated);
    if (old >= 0) list[old] = event;
    else list.push(event);
    events.set(key, list);
  }

  /** stabilizeRecommendation: the highest recommendation within the downscale window. */
  private stabilize(key: string, desired: number, now: number): number {
    const recs = this.recommendations.get(key) ?? [];
    const cutoff = now - this.downscaleStabilizationMs;
    let max = desired;
    let old = -1;
    recs.forEach((r, i) => {
      if (r.timestamp < cutoff) old = i;
      else if (r.recommendation > max) max = r.recommendation;
    });
    this.record(key, recs, old, desired, now);
    return max;
  }

  /** stabilizeRecommendationWithBehaviors: the current count moved only as far as every recent recommendation agrees. */
  private stabilizeWithBehavior(a: NormalizeArgs, behavior: ResolvedBehavior): { recommendation: number; stabilizedReason: ConditionUpdate } {
    const recs = this.recommendations.get(a.key) ?? [];
    const upCutoff = a.now - behavior.scaleUp.stabilizationWindowSeconds * 1000;
    const downCutoff = a.now - behavior.scaleDown.stabilizationWindowSeconds * 1000;
    let up = a.desiredReplicas;
    let down = a.desiredReplicas;
    let old = -1;
    recs.forEach((r, i) => {
      if (r.timestamp > upCutoff) up = Math.min(r.recommendation, up);
      if (r.timestamp > downCutoff) down = Math.max(r.recommendation, down);
      if (r.timestamp < upCutoff && r.timestamp < downCutoff) old = i;
    });
    const recommendation = Math.min(Math.max(a.currentReplicas, up), down);
    this.record(a.key, recs, old, a.desiredReplicas, a.now);
    return { recommendation, stabilizedReason: a.desiredReplicas >= a.currentReplicas ? SCALE_UP_STABILIZED : SCALE_DOWN_STABILIZED };
  }

  /** Keeps the unstabilized recommendation, reusing the slot of one outside every window. */
  private record(key: string, recs: TimestampedRecommendation[], old: number, recommendation: number, now: number): void {
    const rec = { recommendation, timestamp: now };
    if (old >= 0) recs[old] = rec;
    else recs.push(rec);
    this.recommendations.set(key, recs);
  }

  /** convertDesiredReplicasWithBehaviorRate: min/max and the policies' limits over their periods. */
  private boundByRate(a: NormalizeArgs, behavior: ResolvedBehavior): { desiredReplicas: number; reason: ConditionUpdate } {
    const ups = this.scaleUpEvents.get(a.key) ?? [];
    const downs = this.scaleDownEvents.get(a.key) ?? [];
    if (a.desiredReplicas > a.currentReplicas) {
      const limit = Math.max(scaleUpLimit(a.currentReplicas, ups, downs, behavior.scaleUp, a.now), a.currentReplicas);
      const [maximum, reason] = a.maxReplicas > limit ? [limit, SCALE_UP_LIMIT] : [a.maxReplicas, TOO_MANY];
      if (a.desiredReplicas > maximum) return { desiredReplicas: maximum, reason };
    } else if (a.desiredReplicas < a.currentReplicas) {
      const limit = Math.min(scaleDownLimit(a.currentReplicas, ups, downs, behavior.scaleDown, a.now), a.currentReplicas);
      const [minimum, reason] = a.minReplicas < limit ? [limit, SCALE_DOWN_LIMIT] : [a.minReplicas, TOO_FEW];
      if (a.desiredReplicas < minimum) return { desiredReplicas: minimum, reason };
    }
    return { desiredReplicas: a.desiredReplicas, reason: WITHIN_RANGE };
  }
}

/** getReplicasChangePerPeriod: replicas added (or removed) by the events within the period. */
function changeInPeriod(periodSeconds: number, events: TimestampedScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.timestamp > cutoff ? sum + e.replicaChange : sum), 0);
}

/** calculateScaleUpLimitWithScalingRules: each policy's bound from the count at its period's start; Max takes the largest. */
export function scaleUpLimit(current: number, ups: TimestampedScaleEvent[], downs: TimestampedScaleEvent[], rules: Required<HPAScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    // Rounded up so that a small percentage still adds a pod.
    return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
}

/** calculateScaleDownLimitWithBehaviors: each policy's bound; Max (the most change) takes the smallest. */
export function scaleDownLimit(current: number, ups: TimestampedScaleEvent[], downs: TimestampedScaleEvent[], rules: Required<HPAScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = rules.policies.map((p) => {
    const start = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
  });
  return rules.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
}
