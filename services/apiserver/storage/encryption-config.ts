// --encryption-provider-config (Kubernetes' server/options/encryptionconfig): reads an
// EncryptionConfiguration and builds one transformer per configured resource. Each resource's
// providers become a prefix transformer: values are written by the first provider's first key
// as `k8s:enc:<provider>:v1:<key name>:<ciphertext>`, and read by whichever provider and key
// their prefix names, so a key or provider added in front still reads what older ones wrote.
// Resources the file does not name are stored as they are.
import { readFileSync } from 'node:fs';
import { CBCTransformer, GCMTransformer } from './value/aes';
import { IdentityTransformer } from './value/identity';
import { SecretboxTransformer } from './value/secretbox';
import { PrefixTransformers, type PrefixTransformer, type Transformer } from './value/transformer';
import {
  decodeEncryptionConfiguration,
  groupResourceString,
  parseGroupResource,
  type EncryptionConfiguration,
  type GroupResource,
  type Key,
  type ProviderConfiguration,
} from './encryption-config-types';
import { decodeKeySecret, validateEncryptionConfiguration } from './encryption-config-validation';

export const AESCBC_PREFIX = 'k8s:enc:aescbc:v1:';
export const AESGCM_PREFIX = 'k8s:enc:aesgcm:v1:';
export const SECRETBOX_PREFIX = 'k8s:enc:secretbox:v1:';

const IDENTITY = new IdentityTransformer();
const grKey = (gr: GroupResource) => `${gr.resource}.${gr.group}`;

/** The transformer of each configured resource, looked up as Kubernetes does: exact, `*.<group>`, `*.*`. */
export class EncryptionTransformers {
  constructor(private readonly byResource: Map<string, Transformer>) {}

  /** Undefined: the resource is not configured (stored as it is). */
  forResource(group: string, resource: string): Transformer | undefined {
    return this.byResource.get(grKey({ group, resource })) ?? this.byResource.get(grKey({ group, resource: '*' })) ?? this.byResource.get(grKey({ group: '*', resource: '*' }));
  }

  /**
   * The transformer of every storage key, for the apiserver's key layout `/registry/<resource>/...`;
   * `groupOf` names each resource's API group. Keys of resources the file does not name are read
   * by the identity provider, which refuses encrypted bytes (as Kubernetes does for them).
   */
  forKeys(groupOf: (resource: string) => string | undefined): (key: string) => Transformer {
    const cache = new Map<string, Transformer>();
    return (key) => {
      const resource = key.startsWith('/registry/') ? key.split('/')[2] : undefined;
      if (resource === undefined) return IDENTITY;
      let t = cache.get(resource);
      if (!t) {
        const group = groupOf(resource);
        t = (group === undefined ? undefined : this.forResource(group, resource)) ?? IDENTITY;
        cache.set(resource, t);
      }
      return t;
    };
  }
}

function keyed(prefix: string, noMatch: string, keys: Key[], make: (key: Buffer) => Transformer): PrefixTransformer {
  const entries = keys.map((k) => ({ prefix: Buffer.from(`${k.name}:`), transformer: make(decodeKeySecret(k.secret)!) }));
  return { prefix: Buffer.from(prefix), transformer: new PrefixTransformers(noMatch, entries) };
}

function providerTransformer(p: ProviderConfiguration): PrefixTransformer {
  if (p.aesgcm) return keyed(AESGCM_PREFIX, 'no matching key was found for the provided AES transformer', p.aesgcm.keys, (k) => new GCMTransformer(k));
  if (p.aescbc) return keyed(AESCBC_PREFIX, 'no matching key was found for the provided AES transformer', p.aescbc.keys, (k) => new CBCTransformer(k));
  if (p.secretbox) return keyed(SECRETBOX_PREFIX, 'no matching key was found for the provided Secretbox transformer', p.secretbox.keys, (k) => new SecretboxTransformer(k));
  return { prefix: new Uint8Array(0), transformer: IDENTITY };
}

/** Validates a decoded configuration and builds its transformers; throws with every problem found. */
export function encryptionTransformers(config: EncryptionConfiguration): EncryptionTransformers {
  const errs = validateEncryptionConfiguration(config);
  if (errs.length === 1) throw new Error(errs[0]);
  if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  const entries = new Map<string, PrefixTransformer[]>();
  for (const conf of config.resources) {
    const providers = conf.providers.map(providerTransformer);
    for (const res of conf.resources) {
      const gr = parseGroupResource(res);
      for (const mask of [{ group: gr.group, resource: '*' }, { group: '*', resource: '*' }]) {
        if (entries.has(grKey(mask))) throw new Error(`resource "${groupResourceString(gr)}" is masked by earlier rule "${groupResourceString(mask)}"`);
      }
      entries.set(grKey(gr), [...(entries.get(grKey(gr)) ?? []), ...providers]);
    }
  }
  const byResource = new Map<string, Transformer>();
  for (const [gr, list] of entries) byResource.set(gr, new PrefixTransformers('no matching prefix found', list));
  return new EncryptionTransformers(byResource);
}

/** LoadEncryptionConfig: the file's transformers, or an error worded as kube-apiserver's. */
export function loadEncryptionConfig(path: string): EncryptionTransformers {
  try {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`error opening encryption provider configuration file "${path}": ${(err as Error).message}`);
    }
    if (text.length === 0) throw new Error(`encryption provider configuration file "${path}" is empty`);
    return encryptionTransformers(decodeEncryptionConfiguration(text));
  } catch (err) {
    throw new Error(`error while parsing file: ${(err as Error).message}`);
  }
}
