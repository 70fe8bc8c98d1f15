// Who a write is recorded for (k8s.io/apiserver's handlers: managerOrUserAgent): the request's
// fieldManager, else the part of its User-Agent before the first '/' ("kubectl-client-side-apply",
// "kubectl-edit", "kitectl"), printable characters only, cut at 128 bytes; and PatchOptions'
// validation of fieldManager and force.
import { InvalidError } from '../errors';

export const FIELD_MANAGER_MAX_LENGTH = 128;
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Managers by User-Agent: a client sends the same one on every write. */
const prefixes = new Map<string, string>();
const PREFIX_CACHE_SIZE = 256;

export function prefixFromUserAgent(userAgent: string): string {
  let out = prefixes.get(userAgent);
  if (out === undefined) {
    out = printablePrefix(userAgent);
    if (prefixes.size >= PREFIX_CACHE_SIZE) prefixes.clear();
    prefixes.set(userAgent, out);
  }
  return out;
}

function printablePrefix(userAgent: string): string {
  let out = '';
  for (const ch of userAgent.split('/')[0]) {
    if (!PRINTABLE.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
  }
  return out;
}

/**
 * The manager a write is recorded for; an invalid fieldManager is refused as ValidateFieldManager
 * does, naming the request's options ("CreateOptions", "UpdateOptions", "PatchOptions").
 */
export function managerOrUserAgent(fieldManager: string, userAgent: string, options = 'UpdateOptions'): string {
  if (!fieldManager) return prefixFromUserAgent(userAgent);
  const causes = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_LENGTH) causes.push({ field: 'fieldManager', message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes` });
  else if ([...fieldManager].some((ch) => !PRINTABLE.test(ch))) causes.push({ field: 'fieldManager', message: `Invalid value: ${JSON.stringify(fieldManager)}: must only contain printable characters` });
  if (causes.length) throw InvalidError.of(`${options}.meta.k8s.io ""`, causes);
  return fieldManager;
}

/** ValidatePatchOptions: an apply patch names its manager; force is for apply patches only. */
export function validatePatchOptions(patchType: string, fieldManager: string, force: boolean | undefined): void {
  if (patchType === APPLY_PATCH_TYPE && !fieldManager) {
    throw InvalidError.of('PatchOptions.meta.k8s.io ""', [{ field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
  }
  if (patchType !== APPLY_PATCH_TYPE && force !== undefined) {
    throw InvalidError.of('PatchOptions.meta.k8s.io ""', [{ field: 'force', message: 'Forbidden: may not be specified for non-apply patch' }]);
  }
}
