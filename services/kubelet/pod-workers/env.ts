// A container's environment as Kubernetes builds it: literal values with $(VAR) references to
// earlier variables expanded, and valueFrom fieldRef / resourceFieldRef resolved from the pod.
import { quantityMilliValue, quantityValue } from '../../../lib/api/quantity';
import type { Container, EnvVar, Pod } from '../../../lib/gen/kite/core/v1/types';
import { RuntimeError } from '../runtime/errors';
import type { EnvPair } from '../runtime/types';

export interface EnvContext {
  podIP: string;
  hostIP: string;
  /** The node's allocatable cpu/memory: what resourceFieldRef reports for a container without limits. */
  nodeAllocatable: Record<string, string>;
}

/** metadata.labels['app'] -> ['labels', 'app']. */
function mapKey(path: string, field: 'labels' | 'annotations'): string | undefined {
  const m = new RegExp(`^metadata\\.${field}\\['(.+)'\\]$`).exec(path);
  return m?.[1];
}

function fieldValue(pod: Pod, path: string, ctx: EnvContext): string {
  const m = pod.metadata!;
  switch (path) {
    case 'metadata.name':
      return m.name;
    case 'metadata.namespace':
      return m.namespace;
    case 'metadata.uid':
      return m.uid;
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
  }
  const label = mapKey(path, 'labels');
  if (label !== undefined) return m.labels[label] ?? '';
  const annotation = mapKey(path, 'annotations');
  if (annotation !== undefined) return m.annotations[annotation] ?? '';
  throw new RuntimeError('CreateContainerConfigError', `unsupported fieldRef fieldPath "${path}"`);
}

/** A container's resource (requests.cpu, limits.memory ...) scaled by the divisor, as Kubernetes' ExtractContainerResourceValue. */
export function resourceValue(pod: Pod, container: Container, ref: { containerName: string; resource: string; divisor: string }, ctx: Pick<EnvContext, 'nodeAllocatable'>): string {
  const target = ref.containerName ? pod.spec?.containers.find((c) => c.name === ref.containerName) : container;
  if (!target) throw new RuntimeError('CreateContainerConfigError', `resourceFieldRef: no container "${ref.containerName}"`);
  const [kind, resource] = ref.resource.split('.');
  const quantities = kind === 'limits' ? target.resources?.limits : target.resources?.requests;
  const fromNode = kind === 'limits' ? ctx.nodeAllocatable[resource] : undefined;
  const q = quantities?.[resource] ?? fromNode ?? '0';
  if (resource === 'cpu') {
    const divisorMilli = ref.divisor ? quantityMilliValue(ref.divisor) : 1000;
    return String(Math.ceil(quantityMilliValue(q) / divisorMilli));
  }
  if (resource === 'memory' || resource === 'ephemeral-storage') {
    const divisor = ref.divisor ? quantityValue(ref.divisor) : 1;
    return String(Math.ceil(quantityValue(q) / divisor));
  }
  throw new RuntimeError('CreateContainerConfigError', `unsupported resourceFieldRef resource "${ref.resource}"`);
}

/** $(NAME) becomes NAME's value when defined earlier; $$ escapes a literal $. */
export function expandVars(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return vars.has(name!) ? vars.get(name!)! : match;
  });
}

function resolve(pod: Pod, container: Container, e: EnvVar, vars: ReadonlyMap<string, string>, ctx: EnvContext): string | undefined {
  const from = e.valueFrom;
  if (!from) return expandVars(e.value, vars);
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, ctx);
  if (from.resourceFieldRef) return resourceValue(pod, container, from.resourceFieldRef, ctx);
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (keyRef?.optional) return undefined;
  const kind = from.configMapKeyRef ? 'configmap' : 'secret';
  throw new RuntimeError('CreateContainerConfigError', `${kind} "${keyRef?.name ?? ''}" not found`);
}

export function containerEnv(pod: Pod, container: Container, ctx: EnvContext): EnvPair[] {
  const vars = new Map<string, string>();
  for (const e of container.env) {
    const value = resolve(pod, container, e, vars, ctx);
    if (value !== undefined) vars.set(e.name, value);
  }
  return [...vars].map(([name, value]) => ({ name, value }));
}
