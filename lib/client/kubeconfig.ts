// kitectl's config file, shaped like a kubeconfig (clusters, users, contexts, current-context),
// so users who know kubectl know where things go. Resolution order for the file: --kubeconfig,
// then $KITECONFIG, then ~/.kite/config. --server overrides the context's server. With none of
// them, inside a pod, the in-cluster configuration (in-cluster.ts), as kubectl falls back to it.
// As in clientcmd, a cluster's CA may be a file (certificate-authority) and a user's token a file
// (tokenFile, re-read as the kubelet rotates it: how kubeadm's kube-proxy kubeconfig names the
// pod's ServiceAccount token); relative paths are relative to the config file; the inline
// certificate-authority-data and token win over the files.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { CachedFileTokenSource, inClusterConfig, inClusterPossible, type InClusterOptions } from './in-cluster';

/** A bearer token read at each call (client-go's oauth2.TokenSource): a rotated token file. */
export interface TokenSource {
  token(): string;
}

export interface ConnectionConfig {
  /** host:port */
  address: string;
  /** TLS is used when a CA is known or the server URL says https. */
  tls: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  /** Where each call's token comes from, instead of `token`. */
  tokenSource?: TokenSource;
  /** Name to verify in the server certificate (defaults to the host). */
  serverName?: string;
  /** Default namespace from the current context. */
  namespace: string;
  /** Where the settings came from, for error messages. */
  source: string;
}

export interface KubeConfigFile {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'tls-server-name'?: string } }[];
  users: { name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string; tokenFile?: string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  'current-context': string;
}

export const DEFAULT_SERVER = '127.0.0.1:6443';

export function defaultConfigPath(): string {
  return process.env.KITECONFIG || join(homedir(), '.kite', 'config');
}

/** Splits "https://host:port" / "host:port" into address and whether TLS is implied. */
export function parseServer(server: string): { address: string; tls: boolean | undefined } {
  const m = server.match(/^(grpcs?|https?):\/\/(.+?)\/?$/);
  if (!m) return { address: server, tls: undefined };
  return { address: m[2], tls: m[1] === 'https' || m[1] === 'grpcs' };
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);

export function readConfigFile(path: string): KubeConfigFile {
  const doc = parse(readFileSync(path, 'utf8'), { maxAliasCount: 50 }) as KubeConfigFile | null;
  if (!doc || typeof doc !== 'object') throw new Error(`${path}: not a kite config file`);
  doc.clusters ??= [];
  doc.users ??= [];
  doc.contexts ??= [];
  return doc;
}

export function writeConfigFile(path: string, cfg: KubeConfigFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, stringify(cfg), { mode: 0o600 });
  renameSync(tmp, path);
}

/** Resolves the connection settings from flags, environment and the config file. */
export function loadConnectionConfig(opts: { server?: string; kubeconfig?: string; namespace?: string; inCluster?: InClusterOptions } = {}): ConnectionConfig {
  const path = opts.kubeconfig || defaultConfigPath();
  if (!opts.kubeconfig && !opts.server && !existsSync(path) && inClusterPossible(opts.inCluster)) {
    const cfg = inClusterConfig(opts.inCluster);
    if (opts.namespace) cfg.namespace = opts.namespace;
    return cfg;
  }
  let cfg: ConnectionConfig = { address: DEFAULT_SERVER, tls: false, namespace: 'default', source: 'default' };
  if (opts.kubeconfig && !existsSync(path)) throw new Error(`config file ${path} does not exist`);
  if (existsSync(path)) {
    const file = readConfigFile(path);
    const ctx = file.contexts.find((c) => c.name === file['current-context']) ?? file.contexts[0];
    if (ctx) {
      const cluster = file.clusters.find((c) => c.name === ctx.context.cluster)?.cluster;
      const user = file.users.find((u) => u.name === ctx.context.user)?.user;
      if (!cluster) throw new Error(`${path}: context "${ctx.name}" names cluster "${ctx.context.cluster}", which is not in the file`);
      const s = parseServer(cluster.server);
      const relative = (p: string) => resolve(dirname(path), p);
      const caFile = cluster['certificate-authority'];
      const ca = b64(cluster['certificate-authority-data']) ?? (caFile ? readFileSync(relative(caFile)) : undefined);
      const tokenSource = !user?.token && user?.tokenFile ? new CachedFileTokenSource(relative(user.tokenFile)) : undefined;
      // Read now, so a missing token file fails here as clientcmd's does.
      tokenSource?.token();
      cfg = {
        address: s.address,
        tls: s.tls ?? ca !== undefined,
        ca,
        cert: b64(user?.['client-certificate-data']),
        key: b64(user?.['client-key-data']),
        token: user?.token,
        tokenSource,
        serverName: cluster['tls-server-name'],
        namespace: ctx.context.namespace || 'default',
        source: path,
      };
    }
  }
  if (opts.server) {
    const s = parseServer(opts.server);
    cfg = { ...cfg, address: s.address, tls: s.tls ?? cfg.tls, source: '--server' };
  }
  if (opts.namespace) cfg.namespace = opts.namespace;
  return cfg;
}
