// The objects `kitectl create configmap|secret|serviceaccount` build, exactly as kubectl's
// pkg/cmd/create builds them (create_configmap.go, create_secret*.go, create_serviceaccount.go):
// Kubernetes JSON in the Go structs' field order (what `--dry-run=client -o json` prints), with
// kubectl's checks and wording, and --append-hash's name suffix (kubectl's pkg/util/hash).
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from '../../lib/util/json';
import { CliError } from './cli-errors';
import { configMapKeyErrors } from '../../lib/api/config-keys';
import { readEnvFile, readFileSources, parseLiteralSource } from './create-sources';
import { goEscape, goJSON } from './printers/object-output';

export type KubeJSON = Record<string, unknown>;

/** Where the keys come from (--from-literal, --from-file, --from-env-file; slices already split). */
export interface DataSources {
  fromLiteral: string[];
  fromFile: string[];
  fromEnvFile: string[];
}

/** ObjectMeta as kubectl sets it: the namespace only when -n was given, no timestamp yet. */
export function newMeta(name: string, namespace: string | undefined): KubeJSON {
  return { name, ...(namespace ? { namespace } : {}), creationTimestamp: null };
}

function checkEnvFileAlone(src: DataSources): void {
  if (src.fromEnvFile.length && (src.fromFile.length || src.fromLiteral.length)) {
    throw new CliError('from-env-file cannot be combined with from-file or from-literal');
  }
}

/** A map with its keys in sorted order, as Go's encoding/json writes maps. */
function sortedMap<V, R>(m: Record<string, V>, f: (v: V) => R): Record<string, R> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, f(m[k])]));
}

/** kubectl's hash suffix: the first 10 hex digits of a SHA-256, with 0 1 3 a e made unambiguous. */
function encodeHash(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex').slice(0, 10);
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return hex.replace(/[013ae]/g, (c) => swap[c]);
}

export interface ConfigMapOptions extends DataSources {
  appendHash?: boolean;
}

/** `create configmap`: files first, then literals, then env files; UTF-8 files go to data, others to binaryData. */
export function buildConfigMap(name: string, namespace: string | undefined, opts: ConfigMapOptions, env: NodeJS.ProcessEnv = process.env): KubeJSON {
  checkEnvFileAlone(opts);
  const data: Record<string, string> = {};
  const binary: Record<string, Buffer> = {};
  const checkKey = (key: string) => {
    const errs = configMapKeyErrors(key);
    if (errs.length) throw new CliError(`${JSON.stringify(key)} is not a valid key name for a ConfigMap: ${errs.join(',')}`);
    if (Object.hasOwn(data, key)) throw new CliError(`cannot add key ${JSON.stringify(key)}, another key by that name already exists in Data for ConfigMap ${JSON.stringify(name)}`);
    if (Object.hasOwn(binary, key)) throw new CliError(`cannot add key ${JSON.stringify(key)}, another key by that name already exists in BinaryData for ConfigMap ${JSON.stringify(name)}`);
  };
  const addText = (key: string, value: string) => {
    checkKey(key);
    data[key] = value;
  };
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  readFileSources(opts.fromFile, (key, bytes) => {
    let text: string | undefined;
    try {
      text = decoder.decode(bytes);
    } catch {
      text = undefined;
    }
    if (text !== undefined) return addText(key, text);
    checkKey(key);
    binary[key] = bytes;
  });
  for (const source of opts.fromLiteral) {
    const { key, value } = parseLiteralSource(source);
    addText(key, value);
  }
  for (const path of opts.fromEnvFile) readEnvFile(path, 'config', addText, env);
  const binaryData = sortedMap(binary, (v) => v.toString('base64'));
  let finalName = name;
  if (opts.appendHash) {
    const hashed: KubeJSON = { kind: 'ConfigMap', name, data };
    if (Object.keys(binaryData).length) hashed.binaryData = binaryData;
    finalName = `${name}-${encodeHash(goEscape(canonicalJson(hashed)))}`;
  }
  return {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: newMeta(finalName, namespace),
    ...(Object.keys(data).length ? { data: sortedMap(data, (v) => v) } : {}),
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
  };
}

/** A Secret being built: keys checked and added as kubectl's addKeyFromLiteralToSecret does. */
class SecretData {
  readonly data: Record<string, Buffer> = {};

  add(key: string, value: Buffer): void {
    const errs = configMapKeyErrors(key);
    if (errs.length) throw new CliError(`${JSON.stringify(key)} is not valid key name for a Secret ${errs.join(';')}`);
    if (Object.hasOwn(this.data, key)) throw new CliError(`cannot add key ${key}, another key by that name already exists`);
    this.data[key] = value;
  }

  /** The Secret's JSON, with the --append-hash suffix when asked. */
  toSecret(name: string, namespace: string | undefined, type: string, appendHash: boolean | undefined): KubeJSON {
    const data = sortedMap(this.data, (v) => v.toString('base64'));
    const finalName = appendHash ? `${name}-${encodeHash(goEscape(canonicalJson({ kind: 'Secret', type, name, data })))}` : name;
    return {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: newMeta(finalName, namespace),
      ...(Object.keys(data).length ? { data } : {}),
      ...(type ? { type } : {}),
    };
  }
}

export interface GenericSecretOptions extends DataSources {
  type?: string;
  appendHash?: boolean;
}

/** `create secret generic`: literals first, then files, then env files; no --type leaves the server's default (Opaque). */
export function buildGenericSecret(name: string, namespace: string | undefined, opts: GenericSecretOptions, env: NodeJS.ProcessEnv = process.env): KubeJSON {
  checkEnvFileAlone(opts);
  const s = new SecretData();
  for (const source of opts.fromLiteral) {
    const { key, value } = parseLiteralSource(source);
    s.add(key, Buffer.from(value, 'utf8'));
  }
  readFileSources(opts.fromFile, (key, bytes) => s.add(key, bytes));
  for (const path of opts.fromEnvFile) readEnvFile(path, 'secret', (key, value) => s.add(key, Buffer.from(value, 'utf8')), env);
  return s.toSecret(name, namespace, opts.type ?? '', opts.appendHash);
}

/** kubectl's readFile: "Cannot read file <path>, open <path>: no such file or directory". */
function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const text = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory' }[err.code ?? ''] ?? err.message;
    throw new CliError(`Cannot read file ${path}, ${err.code === 'EISDIR' ? 'read' : 'open'} ${path}: ${text}`);
  }
}

interface PemBlock {
  type: string;
  pem: string;
  der: Buffer;
}

/** The PEM blocks of a file, in order (text outside blocks is skipped, as encoding/pem does). */
function pemBlocks(bytes: Buffer): PemBlock[] {
  const text = bytes.toString('latin1');
  const re = /-----BEGIN ([^\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/g;
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(re)) {
    const body = m[2].split(/\r?\n/).filter((l) => !l.includes(':'));
    blocks.push({ type: m[1], pem: m[0], der: Buffer.from(body.join(''), 'base64') });
  }
  return blocks;
}

/**
 * Go's tls.X509KeyPair, which kubectl calls to check the pair: the first CERTIFICATE block,
 * the first "... PRIVATE KEY" block, and the key's public half equal to the certificate's.
 */
export function checkKeyPair(certPEM: Buffer, keyPEM: Buffer): void {
  const certBlocks = pemBlocks(certPEM);
  const cert = certBlocks.find((b) => b.type === 'CERTIFICATE');
  if (!cert) {
    if (!certBlocks.length) throw new CliError('tls: failed to find any PEM data in certificate input');
    if (certBlocks.length === 1 && certBlocks[0].type.endsWith('PRIVATE KEY')) {
      throw new CliError('tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched');
    }
    throw new CliError(`tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${certBlocks.map((b) => b.type).join(' ')}]`);
  }
  const keyBlocks = pemBlocks(keyPEM);
  const keyIndex = keyBlocks.findIndex((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
  if (keyIndex < 0) {
    if (!keyBlocks.length) throw new CliError('tls: failed to find any PEM data in key input');
    if (keyBlocks.length === 1 && keyBlocks[0].type === 'CERTIFICATE') throw new CliError('tls: found a certificate rather than a key in the PEM for the private key');
    throw new CliError(`tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${keyBlocks.map((b) => b.type).join(' ')}]`);
  }
  let certKey: import('node:crypto').KeyObject;
  try {
    certKey = new X509Certificate(cert.der).publicKey;
  } catch {
    throw new CliError('x509: malformed certificate');
  }
  let publicKey: import('node:crypto').KeyObject;
  try {
    publicKey = createPublicKey(createPrivateKey(keyBlocks[keyIndex].pem));
  } catch {
    throw new CliError('tls: failed to parse private key');
  }
  if (certKey.asymmetricKeyType !== publicKey.asymmetricKeyType) throw new CliError('tls: private key type does not match public key type');
  const der = (k: import('node:crypto').KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!der(certKey).equals(der(publicKey))) throw new CliError('tls: private key does not match public key');
}

export interface TLSSecretOptions {
  cert?: string;
  key?: string;
  appendHash?: boolean;
}

/** `create secret tls`: tls.crt and tls.key from the two files, once they are known to be a pair. */
export function buildTLSSecret(name: string, namespace: string | undefined, opts: TLSSecretOptions): KubeJSON {
  if (!opts.cert || !opts.key) throw new CliError('key and cert must be specified');
  const cert = readInput(opts.cert);
  const key = readInput(opts.key);
  checkKeyPair(cert, key);
  const s = new SecretData();
  s.add('tls.crt', cert);
  s.add('tls.key', key);
  return s.toSecret(name, namespace, 'kubernetes.io/tls', opts.appendHash);
}

export const DEFAULT_DOCKER_SERVER = 'https://index.docker.io/v1/';

export interface DockerRegistrySecretOptions {
  dockerServer?: string;
  dockerUsername?: string;
  dockerPassword?: string;
  dockerEmail?: string;
  fromFile: string[];
  appendHash?: boolean;
}

/** The .dockerconfigjson kubectl writes: {"auths":{server:{username,password,email,auth}}}, empty fields left out. */
export function dockerConfigJSON(server: string, username: string, password: string, email: string): string {
  const entry: Record<string, string> = {};
  if (username) entry.username = username;
  if (password) entry.password = password;
  if (email) entry.email = email;
  const auth = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  if (auth) entry.auth = auth;
  return goJSON({ auths: { [server]: entry } });
}

/** `create secret docker-registry`: from the --docker-* flags, or from files (a bare path is the .dockerconfigjson key). */
export function buildDockerRegistrySecret(name: string, namespace: string | undefined, opts: DockerRegistrySecretOptions): KubeJSON {
  const server = opts.dockerServer ?? DEFAULT_DOCKER_SERVER;
  const username = opts.dockerUsername ?? '';
  const password = opts.dockerPassword ?? '';
  if (!opts.fromFile.length && (!username || !password || !server)) {
    throw new CliError('either --from-file or the combination of --docker-username, --docker-password and --docker-server is required');
  }
  const s = new SecretData();
  if (opts.fromFile.length) {
    readFileSources(
      opts.fromFile.map((f) => (f.includes('=') ? f : `.dockerconfigjson=${f}`)),
      (key, bytes) => s.add(key, bytes),
    );
  } else {
    s.add('.dockerconfigjson', Buffer.from(dockerConfigJSON(server, username, password, opts.dockerEmail ?? ''), 'utf8'));
  }
  return s.toSecret(name, namespace, 'kubernetes.io/dockerconfigjson', opts.appendHash);
}

/** `create serviceaccount`: just the name. */
export function buildServiceAccount(name: string, namespace: string | undefined): KubeJSON {
  return { kind: 'ServiceAccount', apiVersion: 'v1', metadata: newMeta(name, namespace) };
}
