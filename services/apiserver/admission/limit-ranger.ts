// The LimitRanger admission (Kubernetes' plugin/pkg/admission/limitranger). When a pod is
// created, its containers and init containers get their namespace's LimitRange defaults where
// they name no request or limit (the kubernetes.io/limit-ranger annotation says which), then
// every container and the pod as a whole must fall within each LimitRange's min, max and
// max limit/request ratio. Like Kubernetes it leaves pod updates alone (containers' resources
// cannot change) and runs before ResourceQuota, so quota counts the defaulted requests.
import type { AdmissionPlugin, AdmissionRequest } from './chain';
import { ForbiddenError } from '../../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import { isSidecar } from '../../../lib/api/pods';
import { Quantity, canonicalQuantity, formatMilliAmount, quantityFormat, type QuantityFormat } from '../../../lib/api/quantity';
import type { Container, LimitRange, Pod } from '../../../lib/gen/kite/core/v1/types';
import { ObjectMeta } from '../../../lib/gen/kite/meta/v1/meta';
import type { Registry } from '../registry/registry';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type ResourceList = Record<string, string>;

/** Requests default to limits where only limits are given (Kubernetes does it while decoding, before admission). */
function requestsFromLimits(c: Container): void {
  if (!c.resources) return;
  for (const [r, q] of Object.entries(c.resources.limits)) c.resources.requests[r] ??= q;
}

/** defaultContainerResourceRequirements: the Container items' defaults, later items winning. */
function containerDefaults(lr: LimitRange): { requests: ResourceList; limits: ResourceList } {
  const out = { requests: {} as ResourceList, limits: {} as ResourceList };
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(out.requests, item.defaultRequest);
    Object.assign(out.limits, item.default);
  }
  return out;
}

/** mergeContainerResources: fills what the container leaves unset; returns the annotation's phrases. */
function mergeContainer(c: Container, defaults: { requests: ResourceList; limits: ResourceList }, prefix: string): string[] {
  const setLimits = Object.keys(defaults.limits).filter((r) => c.resources?.limits[r] === undefined).sort();
  const setRequests = Object.keys(defaults.requests).filter((r) => c.resources?.requests[r] === undefined).sort();
  if (!setLimits.length && !setRequests.length) return [];
  c.resources ??= { limits: {}, requests: {} };
  for (const r of setLimits) c.resources.limits[r] = defaults.limits[r];
  for (const r of setRequests) c.resources.requests[r] = defaults.requests[r];
  const phrases: string[] = [];
  if (setRequests.length) phrases.push(`${setRequests.join(', ')} request for ${prefix} ${c.name}`);
  if (setLimits.length) phrases.push(`${setLimits.join(', ')} limit for ${prefix} ${c.name}`);
  return phrases;
}

/** PodMutateLimitFunc: applies one LimitRange's container defaults to a pod, in place. */
export function applyLimitRangeDefaults(lr: LimitRange, pod: Pod): void {
  const spec = pod.spec;
  if (!spec) return;
  const defaults = containerDefaults(lr);
  const phrases = [
    ...spec.containers.flatMap((c) => mergeContainer(c, defaults, 'container')),
    ...spec.initContainers.flatMap((c) => mergeContainer(c, defaults, 'init container')),
  ];
  if (!phrases.length) return;
  pod.metadata ??= ObjectMeta.fromPartial({});
  pod.metadata.annotations[LIMIT_RANGER_ANNOTATION] = `LimitRanger plugin set: ${phrases.join('; ')}`;
}

/** An amount in milli-units (rounded up, the precision Kubernetes compares at) with the text Kubernetes prints for it. */
interface Amount {
  milli: bigint;
  text: string;
}

type Amounts = Map<string, Amount>;

function amounts(list: ResourceList | undefined): Amounts {
  const out: Amounts = new Map();
  for (const [r, q] of Object.entries(list ?? {})) {
    try {
      out.set(r, { milli: Quantity.parse(q).scaled(3), text: canonicalQuantity(q) });
    } catch {
      // pod validation refuses the quantity afterwards
    }
  }
  return out;
}

/** Sums keep the format of the first term, as Quantity.Add does. */
function addInto(into: Map<string, { milli: bigint; format: QuantityFormat }>, list: ResourceList | undefined): void {
  for (const [r, q] of Object.entries(list ?? {})) {
    let milli: bigint;
    try {
      milli = Quantity.parse(q).scaled(3);
    } catch {
      continue;
    }
    const prev = into.get(r);
    into.set(r, prev ? { milli: prev.milli + milli, format: prev.format } : { milli, format: quantityFormat(q) });
  }
}

/**
 * podRequests / podLimits: the sum over containers plus the sidecars (init containers with
 * restartPolicy Always run beside them), or more if an init container and the sidecars started
 * before it need more.
 */
function podAmounts(pod: Pod, of: (c: Container) => ResourceList | undefined): Amounts {
  type Summed = Map<string, { milli: bigint; format: QuantityFormat }>;
  const atLeast = (into: Summed, from: Summed) => {
    for (const [r, a] of from) if (!into.has(r) || a.milli > into.get(r)!.milli) into.set(r, a);
  };
  const sum: Summed = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(sum, of(c));
  const sidecars: Summed = new Map();
  const init: Summed = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    if (isSidecar(c)) {
      addInto(sum, of(c));
      addInto(sidecars, of(c));
      atLeast(init, sidecars);
    } else {
      const one: Summed = new Map(sidecars);
      addInto(one, of(c));
      atLeast(init, one);
    }
  }
  atLeast(sum, init);
  return new Map([...sum].map(([r, a]) => [r, { milli: a.milli, text: formatMilliAmount(a.milli, a.format) }]));
}

type Constraint = (type: string, r: string, enforced: string, requests: Amounts, limits: Amounts) => string | undefined;

const minConstraint: Constraint = (type, r, enforced, requests, limits) => {
  const req = requests.get(r);
  const lim = limits.get(r);
  const min = Quantity.parse(enforced).scaled(3);
  const shown = canonicalQuantity(enforced);
  if (!req) return `minimum ${r} usage per ${type} is ${shown}.  No request is specified`;
  if (req.milli < min) return `minimum ${r} usage per ${type} is ${shown}, but request is ${req.text}`;
  if (lim && lim.milli < min) return `minimum ${r} usage per ${type} is ${shown}, but limit is ${lim.text}`;
  return undefined;
};

const maxConstraint: Constraint = (type, r, enforced, requests, limits) => {
  const req = requests.get(r);
  const lim = limits.get(r);
  const max = Quantity.parse(enforced).scaled(3);
  const shown = canonicalQuantity(enforced);
  if (!lim) return `maximum ${r} usage per ${type} is ${shown}.  No limit is specified`;
  if (lim.milli > max) return `maximum ${r} usage per ${type} is ${shown}, but limit is ${lim.text}`;
  if (req && req.milli > max) return `maximum ${r} usage per ${type} is ${shown}, but request is ${req.text}`;
  return undefined;
};

const ratioConstraint: Constraint = (type, r, enforced, requests, limits) => {
  const req = requests.get(r)?.milli ?? 0n;
  const lim = limits.get(r)?.milli ?? 0n;
  const shown = canonicalQuantity(enforced);
  if (req === 0n) return `${r} max limit to request ratio per ${type} is ${shown}, but no request is specified or request is 0`;
  if (lim === 0n) return `${r} max limit to request ratio per ${type} is ${shown}, but no limit is specified or limit is 0`;
  const observed = Number(lim) / Number(req);
  if (observed * 1000 > Number(Quantity.parse(enforced).scaled(3))) {
    return `${r} max limit to request ratio per ${type} is ${shown}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return undefined;
};

/** PodValidateLimitFunc: what in a (defaulted) pod breaks one LimitRange, in Kubernetes' words. */
export function limitRangeViolations(lr: LimitRange, pod: Pod): string[] {
  const errs: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    const checks: [ResourceList, Constraint][] = [[item.min, minConstraint], [item.max, maxConstraint], [item.maxLimitRequestRatio, ratioConstraint]];
    const enforce = (requests: Amounts, limits: Amounts) => {
      for (const [bounds, constraint] of checks) {
        for (const r of Object.keys(bounds).sort()) {
          const err = constraint(item.type, r, bounds[r], requests, limits);
          if (err) errs.push(err);
        }
      }
    };
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) enforce(amounts(c.resources?.requests), amounts(c.resources?.limits));
    } else if (item.type === 'Pod') {
      enforce(podAmounts(pod, (c) => c.resources?.requests), podAmounts(pod, (c) => c.resources?.limits));
    }
  }
  return errs;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several as "[a, b]" without repeats. */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/**
 * Admits a pod being created under `limitRanges`: applies every range's defaults (the mutating
 * phase), then checks each range in turn (the validating phase). Returns the first range's
 * violations as Kubernetes words them, or undefined when the pod fits.
 */
export function admitPodLimits(limitRanges: readonly LimitRange[], pod: Pod): string | undefined {
  if (!limitRanges.length || !pod.spec) return undefined;
  for (const c of [...pod.spec.containers, ...pod.spec.initContainers]) requestsFromLimits(c);
  for (const lr of limitRanges) applyLimitRangeDefaults(lr, pod);
  for (const lr of limitRanges) {
    const errs = limitRangeViolations(lr, pod);
    if (errs.length) return aggregate(errs);
  }
  return undefined;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  constructor(private readonly limitRanges: Registry<LimitRange>) {}

  /** Mutating: on creates only, as Kubernetes' LimitRanger defaults and checks pods. */
  admit(req: AdmissionRequest): void {
    if (req.verb === 'create') this.admitCreate(req.kind, req.attributes.namespace, req.object);
  }

  /** Defaults and checks a pod create in `namespace` (in place); throws ForbiddenError when it breaks a LimitRange. */
  admitCreate(kind: KindInfo<any>, namespace: string, obj: KubeObject | undefined): void {
    if (kind.kind !== 'Pod' || !obj) return;
    const ranges = this.limitRanges.cachedList({ namespace });
    const pod = obj as Pod;
    const err = admitPodLimits(ranges, pod);
    if (err) throw new ForbiddenError(`pods "${pod.metadata?.name || pod.metadata?.generateName || ''}" is forbidden: ${err}`);
  }
}
