// The EncryptionConfiguration file (apiserver.config.k8s.io/v1, kube-apiserver's
// --encryption-provider-config) as Kite reads it: YAML or JSON, decoded into these types with
// Kubernetes' shape checks. Unknown fields are ignored, as Kubernetes' decoder does.
import { parse as parseYaml } from 'yaml';

export const ENCRYPTION_CONFIG_API_VERSION = 'apiserver.config.k8s.io/v1';
export const ENCRYPTION_CONFIG_KIND = 'EncryptionConfiguration';

export interface Key {
  name: string;
  /** Base64 of the key's bytes. */
  secret: string;
}

export interface KeysConfiguration {
  keys: Key[];
}

export interface ProviderConfiguration {
  aescbc?: KeysConfiguration;
  aesgcm?: KeysConfiguration;
  secretbox?: KeysConfiguration;
  identity?: Record<string, never>;
  kms?: unknown;
  /** The element's field names as written, unknown ones included (for messages). */
  fields?: string[];
}

export interface ResourceConfiguration {
  /** `secrets`, `deployments.apps`, `*.apps`, `*.` (every core resource), `*.*` (every resource). */
  resources: string[];
  /** In order: the first writes, all of them read. */
  providers: ProviderConfiguration[];
}

export interface EncryptionConfiguration {
  apiVersion: string;
  kind: string;
  resources: ResourceConfiguration[];
}

export interface GroupResource {
  group: string;
  resource: string;
}

/** schema.ParseGroupResource: "deployments.apps" -> apps/deployments, "*." -> core/*. */
export function parseGroupResource(s: string): GroupResource {
  const dot = s.indexOf('.');
  return dot < 0 ? { group: '', resource: s } : { group: s.slice(dot + 1), resource: s.slice(0, dot) };
}

/** How Kubernetes writes a GroupResource in messages ("secrets", "deployments.apps", "*."). */
export function groupResourceString(gr: GroupResource): string {
  if (gr.group === '' && gr.resource === '*') return '*.';
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class DecodeError extends Error {}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** A wrong JSON type, worded as Go's encoding/json reports it (no value quoted: it may be a key). */
function cannotUnmarshal(v: unknown, field: string, want: string): never {
  throw new DecodeError(`json: cannot unmarshal ${typeName(v)} into Go struct field ${field} of type ${want}`);
}

function list<T>(v: unknown, field: string, want: string, item: (x: unknown) => T): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) cannotUnmarshal(v, field, want);
  return v.map(item);
}

function str(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') cannotUnmarshal(v, field, 'string');
  return v;
}

function obj(v: unknown, field: string, want: string): Record<string, unknown> {
  if (v === null) return {};
  if (!isObject(v)) cannotUnmarshal(v, field, want);
  return v;
}

function keys(v: unknown, provider: string): KeysConfiguration {
  const o = obj(v, `ProviderConfiguration.${provider}`, provider === 'secretbox' ? 'v1.SecretboxConfiguration' : 'v1.AESConfiguration');
  return {
    keys: list(o.keys, `${provider}.keys`, '[]v1.Key', (k) => {
      const ko = obj(k, `${provider}.keys`, 'v1.Key');
      return { name: str(ko.name, 'Key.name'), secret: str(ko.secret, 'Key.secret') };
    }),
  };
}

function provider(v: unknown): ProviderConfiguration {
  const o = obj(v, 'ResourceConfiguration.providers', 'v1.ProviderConfiguration');
  const p: ProviderConfiguration = { fields: Object.keys(o) };
  for (const name of Object.keys(o)) {
    if (name === 'aescbc' || name === 'aesgcm' || name === 'secretbox') p[name] = keys(o[name], name);
    else if (name === 'identity') p.identity = {};
    else if (name === 'kms') p.kms = o.kms;
  }
  return p;
}

/** Decodes the file's text; throws with the decoder's message on a malformed document. */
export function decodeEncryptionConfiguration(text: string): EncryptionConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new Error(`couldn't get version/kind; json parse error: expected an object, got ${typeName(doc)}`);
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  if (!kind) throw new Error("Object 'Kind' is missing in the encryption provider configuration");
  if (apiVersion !== ENCRYPTION_CONFIG_API_VERSION || kind !== ENCRYPTION_CONFIG_KIND) {
    throw new Error(`no kind "${kind}" is registered for version "${apiVersion}" (want kind "${ENCRYPTION_CONFIG_KIND}", apiVersion "${ENCRYPTION_CONFIG_API_VERSION}")`);
  }
  try {
    return {
      apiVersion,
      kind,
      resources: list(doc.resources, 'EncryptionConfiguration.resources', '[]v1.ResourceConfiguration', (r) => {
        const ro = obj(r, 'EncryptionConfiguration.resources', 'v1.ResourceConfiguration');
        return {
          resources: list(ro.resources, 'ResourceConfiguration.resources', '[]string', (s) => str(s, 'ResourceConfiguration.resources')),
          providers: list(ro.providers, 'ResourceConfiguration.providers', '[]v1.ProviderConfiguration', provider),
        };
      }),
    };
  } catch (err) {
    if (err instanceof DecodeError) throw new Error(err.message);
    throw err;
  }
}
