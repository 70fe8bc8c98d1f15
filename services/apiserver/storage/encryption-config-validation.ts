// Validation of an EncryptionConfiguration, with the field paths and wording of Kubernetes'
// apis/apiserver/validation/validation_encryption.go. Secrets never appear in a message: an
// invalid key is shown as "REDACTED", as Kubernetes does.
import type { EncryptionConfiguration, Key, ProviderConfiguration } from './encryption-config-types';
import { parseGroupResource } from './encryption-config-types';

const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];
/** The providers Kite has; Kubernetes' `kms` (an external plugin) is not one of them. */
export const SUPPORTED_PROVIDERS = ['aescbc', 'aesgcm', 'identity', 'secretbox'] as const;
const KNOWN_PROVIDERS = ['kms', ...SUPPORTED_PROVIDERS];

const quote = (s: string) => JSON.stringify(s);
const quoteList = (l: string[]) => `[]string{${l.map(quote).join(', ')}}`;
const required = (path: string, detail: string) => `${path}: Required value: ${detail}`;
const invalid = (path: string, value: string, detail: string) => `${path}: Invalid value: ${value}: ${detail}`;
const atLeastOne = (what: string) => `at least one ${what} is required`;

export function validateEncryptionConfiguration(c: EncryptionConfiguration): string[] {
  const root = 'resources';
  if (c.resources.length === 0) return [required(root, atLeastOne(root))];
  const errs: string[] = [];
  c.resources.forEach((conf, i) => {
    const r = `${root}[${i}].resources`;
    const p = `${root}[${i}].providers`;
    if (conf.resources.length === 0) errs.push(required(r, atLeastOne(r)));
    errs.push(...validateResourceOverlap(conf.resources, r), ...validateResourceNames(conf.resources, r));
    if (conf.providers.length === 0) errs.push(required(p, atLeastOne(p)));
    conf.providers.forEach((provider, j) => {
      const path = `${p}[${j}]`;
      const single = validateSingleProvider(provider, path);
      if (single) {
        errs.push(single);
        return;
      }
      if (provider.kms !== undefined) errs.push(`${path}.kms: Unsupported value: "kms": supported values: ${SUPPORTED_PROVIDERS.map(quote).join(', ')}`);
      if (provider.aesgcm) errs.push(...validateKeys(provider.aesgcm.keys, `${path}.aesgcm.keys`, AES_KEY_SIZES));
      if (provider.aescbc) errs.push(...validateKeys(provider.aescbc.keys, `${path}.aescbc.keys`, AES_KEY_SIZES));
      if (provider.secretbox) errs.push(...validateKeys(provider.secretbox.keys, `${path}.secretbox.keys`, SECRETBOX_KEY_SIZES));
    });
  });
  return errs;
}

function validateResourceOverlap(resources: string[], path: string): string[] {
  if (resources.length < 2) return [];
  const grs = resources.map(parseGroupResource);
  let overlap = false;
  let duplicate = false;
  grs.forEach((a, i) =>
    grs.forEach((b, j) => {
      if (i === j) return;
      if (a.group === b.group && a.resource === b.resource) {
        duplicate = true;
        return;
      }
      if ((a.group === '*' && a.resource === '*') || (a.group === b.group && (a.resource === '*' || b.resource === '*'))) overlap = true;
    }),
  );
  const errs: string[] = [];
  if (duplicate) errs.push(invalid(path, quoteList(resources), 'the same resource cannot be specified multiple times'));
  if (overlap) {
    errs.push(invalid(path, quoteList(resources), "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"));
  }
  return errs;
}

function validateResourceNames(resources: string[], path: string): string[] {
  const errs: string[] = [];
  resources.forEach((res, j) => {
    const at = (detail: string) => errs.push(invalid(`${path}[${j}]`, quote(res), detail));
    const gr = parseGroupResource(res);
    if (res.toLowerCase() !== res) at('resource name should not contain capital letters');
    else if (res === '*') at("use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources");
    else if (['apiserveripinfo', 'serviceipallocations', 'servicenodeportallocations'].includes(res)) at('resources which do not have REST API/s cannot be encrypted');
    else if (gr.group === 'events.k8s.io') {
      at("'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file");
    } else if (gr.group === 'extensions') at("'extensions' group has been removed and cannot be used for encryption");
    else if (gr.group === '*' && gr.resource !== '*') at('encrypting the same resource across groups is not supported');
  });
  return errs;
}

function validateSingleProvider(provider: ProviderConfiguration, path: string): string | undefined {
  const found = KNOWN_PROVIDERS.filter((name) => provider[name as keyof ProviderConfiguration] !== undefined);
  const shown = `{${(provider.fields ?? found).map(quote).join(', ')}}`;
  if (found.length === 0) return invalid(path, shown, 'provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity');
  if (found.length > 1) return invalid(path, shown, 'more than one provider specified in a single element, should split into different list elements');
  return undefined;
}

function validateKeys(keys: Key[], path: string, sizes: number[]): string[] {
  if (keys.length === 0) return [required(path, atLeastOne('keys'))];
  return keys.flatMap((key, i) => validateKey(key, `${path}[${i}]`, sizes));
}

/** Standard base64 with padding, as Go's base64.StdEncoding decodes it (line breaks ignored). */
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeKeySecret(secret: string): Buffer | undefined {
  const text = secret.replace(/[\r\n]/g, '');
  return STD_BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

function validateKey(key: Key, path: string, sizes: number[]): string[] {
  const errs: string[] = [];
  if (!key.name) errs.push(required(`${path}.name`, 'name is a mandatory field for a key'));
  if (!key.secret) return [...errs, required(`${path}.secret`, 'secret is a mandatory field for a key')];
  const secret = decodeKeySecret(key.secret);
  if (!secret) return [...errs, invalid(`${path}.secret`, '"REDACTED"', 'secrets must be base64 encoded')];
  if (!sizes.includes(secret.length)) {
    errs.push(invalid(`${path}.secret`, '"REDACTED"', `secret is not of the expected length, got ${secret.length}, expected one of [${sizes.join(' ')}]`));
  }
  return errs;
}
