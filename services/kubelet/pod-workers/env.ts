// A container's environment as Kubernetes' kubelet builds it (makeEnvironmentVariables): envFrom
// ConfigMaps and Secrets first, then env (literal values with $(VAR) references to earlier
// variables and service variables expanded; valueFrom fieldRef and resourceFieldRef resolved from
// the pod, configMapKeyRef and secretKeyRef from its objects), then the service variables.
// A required ConfigMap, Secret or key that is missing is a CreateContainerConfigError with
// Kubernetes' message; an optional one leaves its variables out.
import { envVarNameErrors } from '../../../lib/api/config-keys';
import { quantityMilliValue, quantityValue } from '../../../lib/api/quantity';
import type { ConfigMap, Container, EnvFromSource, EnvVar, EnvVarSource, Pod, Secret } from '../../../lib/gen/kite/core/v1/types';
import type { PodObjectSource } from '../config-sources/types';
import { RuntimeError } from '../runtime/errors';
import type { EnvPair } from '../runtime/types';

export interface EnvContext {
  podIP: string;
  hostIP: string;
  /** The node's allocatable cpu/memory: what resourceFieldRef reports for a container without limits. */
  nodeAllocatable: Record<string, string>;
  /** The pod's ConfigMaps and Secrets. */
  objects: PodObjectSource;
  /** The pod's service variables (service-env.ts). */
  serviceEnv: ReadonlyMap<string, string>;
  /** Records a Warning event about the pod. */
  warn(reason: string, message: string): void;
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

/** $(NAME) becomes NAME's value when `lookup` knows it; $$ escapes a literal $. */
export function expandVars(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return lookup(name!) ?? match;
  });
}

/** Kubernetes' IsEnvVarName: what an envFrom key (with its prefix) must look like to become a variable. */
export function isEnvVarName(name: string): boolean {
  return envVarNameErrors(name).length === 0;
}

function configError(message: string): RuntimeError {
  return new RuntimeError('CreateContainerConfigError', message);
}

/**
 * The pod's ConfigMaps and Secrets, each read once per container (Kubernetes' configMaps/secrets
 * maps in makeEnvironmentVariables); a read that fails is a CreateContainerConfigError.
 */
class PodObjects {
  private readonly configMaps = new Map<string, ConfigMap | undefined>();
  private readonly secrets = new Map<string, Secret | undefined>();

  constructor(
    private readonly namespace: string,
    private readonly source: PodObjectSource,
  ) {}

  async configMap(name: string): Promise<ConfigMap | undefined> {
    if (!this.configMaps.has(name)) this.configMaps.set(name, await this.read(() => this.source.getConfigMap(this.namespace, name)));
    return this.configMaps.get(name);
  }

  async secret(name: string): Promise<Secret | undefined> {
    if (!this.secrets.has(name)) this.secrets.set(name, await this.read(() => this.source.getSecret(this.namespace, name)));
    return this.secrets.get(name);
  }

  private async read<T>(get: () => Promise<T>): Promise<T> {
    try {
      return await get();
    } catch (err) {
      throw configError((err as Error).message);
    }
  }
}

/** An envFrom source's keys and values; undefined when its object is missing. */
async function envFromData(from: EnvFromSource, objects: PodObjects): Promise<Record<string, string> | undefined> {
  if (from.configMapRef) return (await objects.configMap(from.configMapRef.name))?.data;
  const secret = await objects.secret(from.secretRef!.name);
  return secret && Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v).toString()]));
}

/** The keys of an envFrom source as variables (prefixed); keys that are not valid names are skipped with a Warning event. */
async function envFromSource(pod: Pod, from: EnvFromSource, objects: PodObjects, vars: Map<string, string>, ctx: EnvContext): Promise<void> {
  const ref = from.configMapRef ?? from.secretRef;
  if (!ref) return;
  const data = await envFromData(from, objects);
  if (!data) {
    if (ref.optional) return;
    throw configError(`${from.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
  }
  const invalid: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const name = from.prefix + key;
    if (isEnvVarName(name)) vars.set(name, value);
    else invalid.push(name);
  }
  if (invalid.length > 0) {
    ctx.warn(
      'InvalidEnvironmentVariableNames',
      `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${from.configMapRef ? 'configMap' : 'secret'} ${pod.metadata!.namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`,
    );
  }
}

/** A configMapKeyRef or secretKeyRef: the key's value, undefined when optional and missing. */
async function keyRefValue(pod: Pod, from: EnvVarSource, objects: PodObjects): Promise<string | undefined> {
  const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
  const ns = pod.metadata!.namespace;
  if (from.configMapKeyRef) {
    const cm = await objects.configMap(ref.name);
    if (!cm) {
      if (ref.optional) return undefined;
      throw configError(`configmap "${ref.name}" not found`);
    }
    if (ref.key in cm.data) return cm.data[ref.key];
    if (ref.optional) return undefined;
    throw configError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
  }
  const secret = await objects.secret(ref.name);
  if (!secret) {
    if (ref.optional) return undefined;
    throw configError(`secret "${ref.name}" not found`);
  }
  if (ref.key in secret.data) return Buffer.from(secret.data[ref.key]).toString();
  if (ref.optional) return undefined;
  throw configError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
}

async function resolve(pod: Pod, container: Container, e: EnvVar, lookup: (name: string) => string | undefined, objects: PodObjects, ctx: EnvContext): Promise<string | undefined> {
  const from = e.valueFrom;
  if (e.value || !from) return expandVars(e.value, lookup);
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, ctx);
  if (from.resourceFieldRef) return resourceValue(pod, container, from.resourceFieldRef, ctx);
  if (from.configMapKeyRef || from.secretKeyRef) return keyRefValue(pod, from, objects);
  return '';
}

/**
 * A container's environment (Kubernetes' makeEnvironmentVariables): the envFrom sources in
 * order, then env, each overriding what came before, $(VAR) referring to variables defined
 * earlier or to the service variables; then the service variables the container does not define.
 */
export async function containerEnv(pod: Pod, container: Container, ctx: EnvContext): Promise<EnvPair[]> {
  const objects = new PodObjects(pod.metadata!.namespace, ctx.objects);
  const vars = new Map<string, string>();
  for (const from of container.envFrom) await envFromSource(pod, from, objects, vars, ctx);
  for (const e of container.env) {
    const value = await resolve(pod, container, e, (name) => vars.get(name) ?? ctx.serviceEnv.get(name), objects, ctx);
    if (value !== undefined) vars.set(e.name, value);
  }
  const out = [...vars].map(([name, value]) => ({ name, value }));
  for (const [name, value] of ctx.serviceEnv) if (!vars.has(name)) out.push({ name, value });
  return out;
}
