// Kubernetes' rules for resource names (pkg/apis/core/helper and validateResourceName in
// pkg/apis/core/validation): which names are standard, native, extended or huge pages, as
// ResourceQuota and LimitRange validation and the quota evaluators use them.
import { Causes, qualifiedName } from './validation-helpers';

/** Names with a meaning of their own (helper.standardResources). */
const STANDARD_RESOURCES = [
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services',
  'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps', 'storage', 'requests.storage',
  'services.nodeports', 'services.loadbalancers',
];

/** Names a ResourceQuota may cap without a domain (helper.standardQuotaResources). */
const STANDARD_QUOTA_RESOURCES = [
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage',
  'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
  'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'services.nodeports', 'services.loadbalancers',
];

/** Counted in whole objects or devices: quota hard limits on them must be integers. */
const INTEGER_RESOURCES = [
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps',
  'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers',
];

export const HUGEPAGES_PREFIX = 'hugepages-';
export const REQUESTS_PREFIX = 'requests.';

const isQuotaHugePages = (name: string) => name.startsWith(HUGEPAGES_PREFIX) || name.startsWith(`${REQUESTS_PREFIX}${HUGEPAGES_PREFIX}`);

export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.includes(name) || isQuotaHugePages(name);
}

function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.includes(name) || isQuotaHugePages(name);
}

/** cpu, memory, ephemeral-storage and huge pages: what a container may request without a domain. */
function isStandardContainerResourceName(name: string): boolean {
  return ['cpu', 'memory', 'ephemeral-storage'].includes(name) || name.startsWith(HUGEPAGES_PREFIX);
}

/** No domain, or a kubernetes.io domain. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** A device or other resource a vendor defines ("example.com/gpu"). */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  const c = new Causes();
  qualifiedName(c, '', `${REQUESTS_PREFIX}${name}`);
  return c.list.length === 0;
}

export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.includes(name) || isExtendedResourceName(name);
}

/** validateResourceName: a qualified name, and a standard one when it has no domain. */
export function validateResourceName(c: Causes, field: string, name: string): boolean {
  const before = c.list.length;
  qualifiedName(c, field, name);
  if (c.list.length > before) return false;
  if (!name.includes('/') && !isStandardResourceName(name)) {
    c.add(field, `Invalid value: "${name}": must be a standard resource type or fully qualified`);
    return false;
  }
  return true;
}

/** validateContainerResourceName: the names a container's (or a pod's) requests and limits may use. */
export function validateContainerResourceName(c: Causes, field: string, name: string): void {
  if (!validateResourceName(c, field, name)) return;
  if (!name.includes('/')) {
    if (!isStandardContainerResourceName(name)) c.add(field, `Invalid value: "${name}": must be a standard resource for containers`);
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    c.add(field, `Invalid value: "${name}": doesn't follow extended resource name standard`);
  }
}

/** ValidateResourceQuotaResourceName. */
export function validateQuotaResourceName(c: Causes, field: string, name: string): boolean {
  if (!validateResourceName(c, field, name)) return false;
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) {
    c.add(field, `Invalid value: "${name}": must be a standard resource for quota`);
    return false;
  }
  return true;
}
