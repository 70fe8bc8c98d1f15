// Validation of a pod's volume sources (emptyDir, hostPath, configMap, secret, downwardAPI,
// projected), of its containers' volumeMounts (subPath, subPathExpr) and of their env valueFrom and
// envFrom, with Kubernetes' field paths and messages (pkg/apis/core/validation: validateVolumeSource,
// validateKeyToPath, validateDownwardAPIVolumeFile, validateProjectionSources, ValidateVolumeMounts,
// ValidateEnv, validateEnvVarValueFrom, ValidateEnvFrom), quirks included: a downwardAPI volume's item
// errors name the source, not the item, and a projected token's missing path is "projected.path".
import { canonicalQuantity, isValidQuantity } from '../../../../lib/api/quantity';
import type {
  DownwardAPIVolumeFile,
  EnvFromSource,
  EnvVar,
  KeySelector,
  KeyToPath,
  ObjectFieldSelector,
  ProjectedVolumeSource,
  ResourceFieldSelector,
  Volume,
  VolumeMount,
} from '../../../../lib/gen/kite/core/v1/types';
import { configMapKeyErrors } from '../../../../lib/api/config-keys';
import * as v from './validation-helpers';

const FILE_MODE_MESSAGE = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'] as const;
/** Kubernetes' validVolumeDownwardAPIFieldPathExpressions, sorted as its messages list them. */
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
/** Kubernetes' validEnvDownwardAPIFieldPathExpressions, sorted. */
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
/** The pod fields ConvertDownwardAPIFieldLabel knows (v1). */
const CONVERTIBLE_FIELD_PATHS = new Set([...VOLUME_FIELD_PATHS, ...ENV_FIELD_PATHS, 'spec.restartPolicy', 'spec.schedulerName', 'status.phase']);
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const HUGEPAGES_PREFIXES = ['limits.hugepages-', 'requests.hugepages-'];
const SIZE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];
/** The volume types in the order Kubernetes checks them: the second one set is the one refused. */
const VOLUME_TYPES = ['emptyDir', 'hostPath', 'secret', 'persistentVolumeClaim', 'downwardAPI', 'configMap', 'projected'] as const;

const quote = (s: string) => JSON.stringify(s);

function fileMode(c: v.Causes, field: string, mode: number | undefined): void {
  if (mode !== undefined && (mode > 0o777 || mode < 0)) c.add(field, `Invalid value: ${mode}: ${FILE_MODE_MESSAGE}`);
}

/** Kubernetes' validateLocalDescendingPath: relative, no ".." element. */
function localDescendingPath(c: v.Causes, field: string, path: string): void {
  if (path.startsWith('/')) c.add(field, `Invalid value: ${quote(path)}: must be a relative path`);
  v.noBacksteps(c, field, path);
}

/** Kubernetes' ValidateLocalNonReservedPath: also not starting with ".." (the atomic writer's names). */
function localNonReservedPath(c: v.Causes, field: string, path: string): void {
  localDescendingPath(c, field, path);
  if (path.startsWith('..') && !path.startsWith('../')) c.add(field, `Invalid value: ${quote(path)}: must not start with '..'`);
}

function keyToPath(c: v.Causes, path: string, kp: KeyToPath): void {
  if (!kp.key) c.add(`${path}.key`, 'Required value');
  if (!kp.path) c.add(`${path}.path`, 'Required value');
  localNonReservedPath(c, `${path}.path`, kp.path);
  fileMode(c, `${path}.mode`, kp.mode);
}

/** Kubernetes' validateObjectFieldSelector with ConvertDownwardAPIFieldLabel for v1 pods. */
function objectFieldSelector(c: v.Causes, path: string, fs: ObjectFieldSelector, allowed: readonly string[]): void {
  if (!fs.apiVersion) return c.add(`${path}.apiVersion`, 'Required value');
  if (!fs.fieldPath) return c.add(`${path}.fieldPath`, 'Required value');
  const subscripted = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fs.fieldPath);
  let error = '';
  if (fs.apiVersion !== 'v1') error = `unsupported pod version: ${fs.apiVersion}`;
  else if (!subscripted && !CONVERTIBLE_FIELD_PATHS.has(fs.fieldPath)) error = `field label not supported: ${fs.fieldPath}`;
  if (error) return c.add(`${path}.fieldPath`, `Invalid value: ${quote(fs.fieldPath)}: error converting fieldPath: ${error}`);
  if (subscripted) {
    const [, field, key] = subscripted;
    v.qualifiedName(c, path, field === 'metadata.annotations' ? key.toLowerCase() : key);
  } else if (!allowed.includes(fs.fieldPath)) {
    c.notSupported(`${path}.fieldPath`, fs.fieldPath, allowed);
  }
}

function resourceDivisor(c: v.Causes, path: string, resource: string, divisor: string): void {
  if (!divisor || !isValidQuantity(divisor)) return;
  const canonical = canonicalQuantity(divisor);
  if (canonical === '0') return;
  const refuse = (what: string, values: readonly string[]) =>
    c.add(`${path}.divisor`, `Invalid value: ${quote(resource)}: only divisor's values ${values.join(', ')} are supported with the ${what}`);
  if (resource === 'limits.cpu' || resource === 'requests.cpu') {
    if (!['1m', '1'].includes(canonical)) refuse('cpu resource', ['1m and 1']);
  } else if (resource === 'limits.memory' || resource === 'requests.memory') {
    if (!SIZE_DIVISORS.includes(canonical)) refuse('memory resource', SIZE_DIVISORS);
  } else if (resource === 'limits.ephemeral-storage' || resource === 'requests.ephemeral-storage') {
    if (!SIZE_DIVISORS.includes(canonical)) refuse('local ephemeral storage resource', SIZE_DIVISORS);
  }
  if (HUGEPAGES_PREFIXES.some((p) => resource.startsWith(p)) && !SIZE_DIVISORS.includes(canonical)) refuse('hugepages resource', SIZE_DIVISORS);
}

/** Kubernetes' validateContainerResourceFieldSelector; a volume's must name its container. */
function resourceFieldSelector(c: v.Causes, path: string, fs: ResourceFieldSelector, volume: boolean): void {
  if (volume && !fs.containerName) c.add(`${path}.containerName`, 'Required value');
  else if (!fs.resource) c.add(`${path}.resource`, 'Required value');
  else if (!RESOURCE_FIELD_PATHS.includes(fs.resource) && !HUGEPAGES_PREFIXES.some((p) => fs.resource.startsWith(p))) {
    c.notSupported(`${path}.resource`, fs.resource, RESOURCE_FIELD_PATHS);
  }
  resourceDivisor(c, path, fs.resource, fs.divisor);
}

/** Kubernetes' validateDownwardAPIVolumeFile; `path` is the source's (items are not indexed in Kubernetes' paths). */
function downwardAPIFile(c: v.Causes, path: string, file: DownwardAPIVolumeFile): void {
  if (!file.path) c.add(`${path}.path`, 'Required value');
  localNonReservedPath(c, `${path}.path`, file.path);
  if (file.fieldRef) {
    objectFieldSelector(c, `${path}.fieldRef`, file.fieldRef, VOLUME_FIELD_PATHS);
    if (file.resourceFieldRef) c.add(path, 'Invalid value: "resource": fieldRef and resourceFieldRef can not be specified simultaneously');
  } else if (file.resourceFieldRef) {
    resourceFieldSelector(c, `${path}.resourceFieldRef`, file.resourceFieldRef, true);
  } else {
    c.add(path, 'Required value: one of fieldRef and resourceFieldRef is required');
  }
  fileMode(c, `${path}.mode`, file.mode);
}

/** Kubernetes' validateProjectionSources: one type per source, paths unique across the volume. */
function projectedSources(c: v.Causes, path: string, projected: ProjectedVolumeSource): void {
  const seen = new Set<string>();
  const claim = (p: string, shown: string) => {
    if (!p) return;
    if (seen.has(p)) c.add(path, `Invalid value: ${quote(shown)}: conflicting duplicate paths`);
    seen.add(p);
  };
  projected.sources.forEach((source, i) => {
    const src = `${path}.sources[${i}]`;
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const s = source[kind];
      if (!s) continue;
      count++;
      if (!s.name) c.add(`${src}.${kind}.name`, 'Required value');
      s.items.forEach((kp, j) => {
        keyToPath(c, `${src}.${kind}.items[${j}]`, kp);
        claim(kp.path, s.name);
      });
    }
    if (source.downwardAPI) {
      count++;
      for (const file of source.downwardAPI.items) {
        downwardAPIFile(c, `${src}.downwardAPI`, file);
        claim(file.path, file.path);
      }
    }
    const token = source.serviceAccountToken;
    if (token) {
      count++;
      const seconds = token.expirationSeconds ?? 3600;
      if (seconds < 600) c.add(`${src}.serviceAccountToken.expirationSeconds`, `Invalid value: ${seconds}: may not specify a duration less than 10 minutes`);
      if (seconds > 2 ** 32) c.add(`${src}.serviceAccountToken.expirationSeconds`, `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds`);
      if (!token.path) c.add(`${path}.path`, 'Required value');
      else localNonReservedPath(c, `${path}.path`, token.path);
    }
    if (count > 1) c.add(src, 'Forbidden: may not specify more than 1 volume type per source');
  });
}

function validateOneSource(c: v.Causes, path: string, vol: Volume, type: (typeof VOLUME_TYPES)[number]): void {
  switch (type) {
    case 'emptyDir':
      return;
    case 'hostPath': {
      const h = vol.hostPath!;
      if (!h.path) return c.add(`${path}.path`, 'Required value');
      v.noBacksteps(c, `${path}.path`, h.path);
      return c.notSupported(`${path}.type`, h.type, HOST_PATH_TYPES);
    }
    case 'secret': {
      const s = vol.secret!;
      if (!s.secretName) c.add(`${path}.secretName`, 'Required value');
      fileMode(c, `${path}.defaultMode`, s.defaultMode);
      return s.items.forEach((kp, i) => keyToPath(c, `${path}.items[${i}]`, kp));
    }
    case 'persistentVolumeClaim':
      if (!vol.persistentVolumeClaim!.claimName) c.add(`${path}.claimName`, 'Required value');
      return;
    case 'configMap': {
      const s = vol.configMap!;
      if (!s.name) c.add(`${path}.name`, 'Required value');
      fileMode(c, `${path}.defaultMode`, s.defaultMode);
      return s.items.forEach((kp, i) => keyToPath(c, `${path}.items[${i}]`, kp));
    }
    case 'downwardAPI': {
      const d = vol.downwardAPI!;
      fileMode(c, `${path}.defaultMode`, d.defaultMode);
      return d.items.forEach((file) => downwardAPIFile(c, path, file));
    }
    case 'projected':
      fileMode(c, `${path}.defaultMode`, vol.projected!.defaultMode);
      return projectedSources(c, path, vol.projected!);
  }
}

/** Kubernetes' validateVolumeSource: exactly one volume type, each validated. `path` is the volume's. */
export function validateVolumeSource(c: v.Causes, path: string, vol: Volume): void {
  let count = 0;
  for (const type of VOLUME_TYPES) {
    if (!vol[type]) continue;
    // Kubernetes' path for a second downwardAPI carries its typo.
    if (count > 0) c.add(`${path}.${type === 'downwardAPI' ? 'downwarAPI' : type}`, 'Forbidden: may not specify more than 1 volume type');
    else validateOneSource(c, `${path}.${type}`, vol, type);
    count++;
  }
  if (count === 0) c.add(path, 'Required value: must specify a volume type');
}

/** The subPath and subPathExpr checks of Kubernetes' ValidateVolumeMounts, and unique mountPaths. `path` is the container's volumeMounts. */
export function validateVolumeMountPaths(c: v.Causes, path: string, mounts: readonly VolumeMount[]): void {
  const mountPoints = new Set<string>();
  mounts.forEach((m, i) => {
    if (mountPoints.has(m.mountPath)) c.add(`${path}[${i}].mountPath`, `Invalid value: ${quote(m.mountPath)}: must be unique`);
    mountPoints.add(m.mountPath);
    if (m.subPath) localDescendingPath(c, `${path}.subPath`, m.subPath);
    if (m.subPathExpr) {
      if (m.subPath) c.add(`${path}[${i}].subPathExpr`, `Invalid value: ${quote(m.subPathExpr)}: subPathExpr and subPath are mutually exclusive`);
      localDescendingPath(c, `${path}.subPathExpr`, m.subPathExpr);
    }
  });
}

/** Kubernetes' IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default). */
function relaxedEnvVarNameErrors(name: string): string[] {
  return /^[\x20-\x3c\x3e-\x7e]*$/.test(name) ? [] : ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
}

function keySelector(c: v.Causes, path: string, s: KeySelector): void {
  v.dns1123Subdomain(c, `${path}.name`, s.name);
  if (!s.key) c.add(`${path}.key`, 'Required value');
  else for (const msg of configMapKeyErrors(s.key)) c.add(`${path}.key`, `Invalid value: ${quote(s.key)}: ${msg}`);
}

/** Kubernetes' ValidateEnv with validateEnvVarValueFrom. `path` is the container's env. */
export function validateEnv(c: v.Causes, path: string, env: readonly EnvVar[]): void {
  env.forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!e.name) c.add(`${p}.name`, 'Required value');
    else for (const msg of relaxedEnvVarNameErrors(e.name)) c.add(`${p}.name`, `Invalid value: ${quote(e.name)}: ${msg}`);
    const from = e.valueFrom;
    if (!from) return;
    const vf = `${p}.valueFrom`;
    let count = 0;
    if (from.fieldRef) {
      count++;
      objectFieldSelector(c, `${vf}.fieldRef`, from.fieldRef, ENV_FIELD_PATHS);
    }
    if (from.resourceFieldRef) {
      count++;
      resourceFieldSelector(c, `${vf}.resourceFieldRef`, from.resourceFieldRef, false);
    }
    if (from.configMapKeyRef) {
      count++;
      keySelector(c, `${vf}.configMapKeyRef`, from.configMapKeyRef);
    }
    if (from.secretKeyRef) {
      count++;
      keySelector(c, `${vf}.secretKeyRef`, from.secretKeyRef);
    }
    if (count === 0) c.add(vf, 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
    else if (e.value) c.add(vf, 'Invalid value: "": may not be specified when `value` is not empty');
    else if (count > 1) c.add(vf, 'Invalid value: "": may not have more than one field specified at a time');
  });
}

/** Kubernetes' ValidateEnvFrom. `path` is the container's envFrom. */
export function validateEnvFrom(c: v.Causes, path: string, envFrom: readonly EnvFromSource[]): void {
  envFrom.forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (e.prefix) for (const msg of relaxedEnvVarNameErrors(e.prefix)) c.add(`${p}.prefix`, `Invalid value: ${quote(e.prefix)}: ${msg}`);
    let count = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = e[kind];
      if (!ref) continue;
      count++;
      if (!ref.name) c.add(`${p}.${kind}.name`, 'Required value');
      else v.dns1123Subdomain(c, `${p}.${kind}.name`, ref.name);
    }
    if (count === 0) c.add(path, 'Invalid value: "": must specify one of: `configMapRef` or `secretRef`');
    else if (count > 1) c.add(path, 'Invalid value: "": may not have more than one field specified at a time');
  });
}
