// The configuration of a client running in a pod, as client-go's rest.InClusterConfig and
// clientcmd's inClusterClientConfig build it: the apiserver from KUBERNETES_SERVICE_HOST and
// KUBERNETES_SERVICE_PORT (the `kubernetes` Service) or, when the apiserver serves Kubernetes'
// HTTP API on that port (443, "https"), Kite's gRPC from the Service's port "grpc"
// (KUBERNETES_SERVICE_PORT_GRPC, as the kubelet names a named port's variable); its CA and the
// ServiceAccount token from the directory the kubelet mounts, the namespace from POD_NAMESPACE or
// the mounted file. The token is re-read as client-go's cached file token source does, because
// the kubelet rotates it.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionConfig, TokenSource } from './kubeconfig';

/** Where the kubelet mounts a pod's ServiceAccount token, CA bundle and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** client-go's rest.ErrNotInCluster. */
export const NOT_IN_CLUSTER_MESSAGE = 'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined';

/** client-go's fileTokenSource period: a token read is trusted this long... */
export const TOKEN_FILE_PERIOD_MS = 60_000;
/** ...less the caching token source's leeway. */
export const TOKEN_LEEWAY_MS = 10_000;

export class NotInClusterError extends Error {
  constructor() {
    super(NOT_IN_CLUSTER_MESSAGE);
    this.name = 'NotInClusterError';
  }
}

export interface InClusterOptions {
  /** The environment to read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The mounted ServiceAccount directory (default: SERVICE_ACCOUNT_DIR). */
  dir?: string;
  /** Wall-clock milliseconds, for the token's re-reads (default: Date.now). */
  now?: () => number;
}

/** client-go's cachingTokenSource over a fileTokenSource: the file is read again once the last read is about a minute old. */
export class CachedFileTokenSource implements TokenSource {
  private cached: string | undefined;
  private readAt = 0;

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token; when re-reading fails, the one read before (client-go: "Unable to rotate token"). */
  token(): string {
    if (this.cached !== undefined && this.now() < this.readAt + TOKEN_FILE_PERIOD_MS - TOKEN_LEEWAY_MS) return this.cached;
    try {
      this.cached = readToken(this.path);
      this.readAt = this.now();
    } catch (err) {
      if (this.cached === undefined) throw err;
    }
    return this.cached;
  }
}

function readToken(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (!token) throw new Error(`read empty token from file "${path}"`);
  return token;
}

/** clientcmd's inClusterClientConfig.Possible: the Service environment is set and the token file is there. */
export function inClusterPossible(opts: InClusterOptions = {}): boolean {
  const env = opts.env ?? process.env;
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return false;
  try {
    return !statSync(join(opts.dir ?? SERVICE_ACCOUNT_DIR, 'token')).isDirectory();
  } catch {
    return false;
  }
}

/** The namespace a pod's client defaults to: POD_NAMESPACE, else the mounted file, else "default". */
export function inClusterNamespace(opts: InClusterOptions = {}): string {
  const env = opts.env ?? process.env;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = readFileSync(join(opts.dir ?? SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim();
    if (ns) return ns;
  } catch {
    // No namespace file: the default, as clientcmd.
  }
  return 'default';
}

/** client-go's rest.InClusterConfig, with clientcmd's namespace. */
export function inClusterConfig(opts: InClusterOptions = {}): ConnectionConfig {
  const env = opts.env ?? process.env;
  const dir = opts.dir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host || !env.KUBERNETES_SERVICE_PORT) throw new NotInClusterError();
  const port = env.KUBERNETES_SERVICE_PORT_GRPC || env.KUBERNETES_SERVICE_PORT;
  const tokenSource = new CachedFileTokenSource(join(dir, 'token'), opts.now);
  // Read now, so a missing token fails here as client-go's does.
  tokenSource.token();
  let ca: Buffer | undefined;
  try {
    ca = readFileSync(join(dir, 'ca.crt'));
  } catch {
    // client-go logs the error and verifies with the system's roots.
  }
  return {
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    tls: true,
    ca,
    tokenSource,
    namespace: inClusterNamespace(opts),
    source: 'in-cluster configuration',
  };
}
