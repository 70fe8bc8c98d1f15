// LimitRange's defaults and validation, as Kubernetes' SetDefaults_LimitRangeItem and
// ValidateLimitRange (pkg/apis/core/validation) have them: a Container item's default limit
// falls back to max and its default request to the default limit, then to min; and
// min <= defaultRequest <= default <= max, a ratio of at least 1, no defaults for the Pod type.
import type { FieldCause } from '../../../../lib/api/errors';
import { Quantity, canonicalQuantity, isValidQuantity } from '../../../../lib/api/quantity';
import type { LimitRange } from '../../../../lib/gen/kite/core/v1/types';
import { HUGEPAGES_PREFIX, validateContainerResourceName, validateResourceName } from './resource-names';
import { validateMeta } from './validation';
import { Causes, qualifiedName } from './validation-helpers';

export const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'] as const;

export function defaultLimitRange(lr: LimitRange): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    for (const [k, v] of Object.entries(item.max)) item.default[k] ??= v;
    for (const [k, v] of Object.entries(item.default)) item.defaultRequest[k] ??= v;
    for (const [k, v] of Object.entries(item.min)) item.defaultRequest[k] ??= v;
  }
}

function validateTypeName(c: Causes, field: string, type: string): void {
  const before = c.list.length;
  qualifiedName(c, field, type);
  if (c.list.length === before && !type.includes('/') && !(LIMIT_TYPES as readonly string[]).includes(type)) {
    c.add(field, `Invalid value: "${type}": must be a standard limit type or fully qualified`);
  }
}

/** Huge pages and extended resources cannot be overcommitted (helper.IsOvercommitAllowed). */
function overcommitAllowed(name: string): boolean {
  return (!name.includes('/') || name.includes('kubernetes.io/')) && !name.startsWith(HUGEPAGES_PREFIX);
}

type Bounds = 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio';

export function validateLimitRange(lr: LimitRange): FieldCause[] {
  const c = new Causes();
  validateMeta(c, lr.metadata, true, 'subdomain');
  const seen = new Set<string>();
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const path = `spec.limits[${i}]`;
    validateTypeName(c, `${path}.type`, item.type);
    if (seen.has(item.type)) c.add(`${path}.type`, `Duplicate value: "${item.type}"`);
    seen.add(item.type);
    const byContainer = item.type === 'Pod' || item.type === 'Container';
    const q: Record<Bounds, Map<string, Quantity>> = { max: new Map(), min: new Map(), default: new Map(), defaultRequest: new Map(), maxLimitRequestRatio: new Map() };
    const keys = new Set<string>();
    const read = (b: Bounds) => {
      for (const [k, v] of Object.entries(item[b])) {
        const field = `${path}.${b}[${k}]`;
        if (byContainer) validateContainerResourceName(c, field, k);
        else validateResourceName(c, field, k);
        keys.add(k);
        if (isValidQuantity(v)) q[b].set(k, Quantity.parse(v));
        else c.add(field, `Invalid value: "${v.slice(0, 100)}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
      }
    };
    read('max');
    read('min');
    if (item.type === 'Pod') {
      if (Object.keys(item.default).length) c.add(`${path}.default`, "Forbidden: may not be specified when `type` is 'Pod'");
      if (Object.keys(item.defaultRequest).length) c.add(`${path}.defaultRequest`, "Forbidden: may not be specified when `type` is 'Pod'");
    } else {
      read('default');
      read('defaultRequest');
    }
    if (item.type === 'PersistentVolumeClaim' && item.min.storage === undefined && item.max.storage === undefined) {
      c.add(`${path}.limits`, 'Required value: either minimum or maximum storage value is required, but neither was provided');
    }
    read('maxLimitRequestRatio');
    for (const k of [...keys].sort()) {
      const [min, max, def, defReq, ratio] = (['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const).map((b) => q[b].get(k)?.scaled(3));
      const s = (b: Bounds) => canonicalQuantity(item[b][k]);
      const invalid = (b: Bounds, shown: Bounds, msg: string) => c.add(`${path}.${b}[${k}]`, `Invalid value: "${s(shown)}": ${msg}`);
      if (min !== undefined && max !== undefined && min > max) invalid('min', 'min', `min value ${s('min')} is greater than max value ${s('max')}`);
      if (defReq !== undefined && min !== undefined && min > defReq) {
        invalid('defaultRequest', 'defaultRequest', `min value ${s('min')} is greater than default request value ${s('defaultRequest')}`);
      }
      if (defReq !== undefined && max !== undefined && defReq > max) {
        invalid('defaultRequest', 'defaultRequest', `default request value ${s('defaultRequest')} is greater than max value ${s('max')}`);
      }
      if (defReq !== undefined && def !== undefined && defReq > def) {
        invalid('defaultRequest', 'defaultRequest', `default request value ${s('defaultRequest')} is greater than default limit value ${s('default')}`);
      }
      if (def !== undefined && min !== undefined && min > def) invalid('default', 'min', `min value ${s('min')} is greater than default value ${s('default')}`);
      if (def !== undefined && max !== undefined && def > max) invalid('default', 'max', `default value ${s('default')} is greater than max value ${s('max')}`);
      if (ratio !== undefined && ratio < 1000n) invalid('maxLimitRequestRatio', 'maxLimitRequestRatio', `ratio ${s('maxLimitRequestRatio')} is less than 1`);
      if (ratio !== undefined && min !== undefined && max !== undefined) {
        const limit = Number(max) / Number(min);
        if (Number(ratio) / 1000 > limit) {
          invalid('maxLimitRequestRatio', 'maxLimitRequestRatio', `ratio ${s('maxLimitRequestRatio')} is greater than max/min = ${limit.toFixed(6)}`);
        }
      }
      if (!overcommitAllowed(k) && def !== undefined && defReq !== undefined && def !== defReq) {
        invalid('defaultRequest', 'defaultRequest', `default value ${s('default')} must equal to defaultRequest value ${s('defaultRequest')} in ${k}`);
      }
    }
  });
  return c.list;
}

