// A real apiserver with the cluster PKI (TLS, client certificates, a token file, Node,RBAC, its
// kubelet-client identity towards kubelets with certificates from the cluster CA, bound
// service-account tokens signed with the PKI's sa.key as a kite cluster's), and
// clients for any identity: certificates issued by the cluster CA (or another CA, or expired),
// bearer tokens, or none. stop() removes everything it made.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import { Clientset } from '../../../lib/client/clientset';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { NO_RETRY } from '../../../lib/client/retry';
import { createCA, issueClientCertificate, type CertKeyPair } from '../../../lib/pki/certificates';
import { writeClusterPKI, type ClusterPKI } from '../../../lib/pki/cluster-pki';
import { startApiserver, type Apiserver, type ApiserverConfig } from '../../../services/apiserver/server';
import { testAdmission } from '../../support/admission';
import { waitFor } from '../../support/wait';

export interface ClientIdentity {
  /** A certificate for this user and groups, signed by the cluster CA. */
  user?: string;
  groups?: string[];
  /** Or exactly this certificate and key. */
  pair?: CertKeyPair;
  token?: string;
  /** The client's grpc.primary_user_agent (the Clientset's default otherwise). */
  userAgent?: string;
}

export interface SecureApiserver {
  address: string;
  server: Apiserver;
  pki: ClusterPKI;
  ca: CertKeyPair;
  dir: string;
  /** Where the audit log goes (with `audit: true`). */
  auditLogPath?: string;
  client(id?: ClientIdentity): Promise<Clientset>;
  admin(): Promise<Clientset>;
  stop(): Promise<void>;
}

/** The service-account issuer of kite clusters (kubeadm's and kind's). */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface SecureOptions {
  /** token -> [user, uid, groups] lines of the token file. */
  tokens?: Record<string, { user: string; groups?: string[] }>;
  config?: Partial<ApiserverConfig>;
  /** Write an audit log in the test directory. */
  audit?: boolean;
}

export async function startSecureApiserver(opts: SecureOptions = {}): Promise<SecureApiserver> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-secure-'));
  try {
    const pki = await writeClusterPKI(join(dir, 'pki'));
    const ca = { cert: readFileSync(pki.ca.cert, 'utf8'), key: readFileSync(pki.ca.key, 'utf8') };
    const tokenFile = join(dir, 'tokens.csv');
    const lines = Object.entries(opts.tokens ?? {}).map(([t, u], i) => `${t},${u.user},uid-${i},"${(u.groups ?? []).join(',')}"`);
    writeFileSync(tokenFile, `${lines.join('\n')}\n`);
    const auditLogPath = opts.audit ? join(dir, 'audit.log') : undefined;
    const server = await startApiserver({
      bindAddress: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      compactionIntervalMs: 0,
      tlsCertFile: pki.apiserver.cert,
      tlsPrivateKeyFile: pki.apiserver.key,
      clientCAFile: pki.ca.cert,
      tokenAuthFile: tokenFile,
      authorizationMode: 'Node,RBAC',
      auditLogPath,
      kubeletClientCertificate: pki.apiserverKubeletClient.cert,
      kubeletClientKey: pki.apiserverKubeletClient.key,
      kubeletCertificateAuthority: pki.ca.cert,
      serviceAccountIssuers: [SERVICE_ACCOUNT_ISSUER],
      serviceAccountSigningKeyFile: pki.serviceAccount.key,
      serviceAccountKeyFiles: [pki.serviceAccount.pub],
      ...opts.config,
      ...testAdmission(opts.config ?? {}),
    });
    const clients: Clientset[] = [];
    const client = async (id: ClientIdentity = {}) => {
      const pair = id.pair ?? (id.user ? await issueClientCertificate(ca, id.user, id.groups ?? []) : undefined);
      const c = new Clientset(
        {
          address: server.address,
          tls: true,
          ca: Buffer.from(ca.cert),
          cert: pair ? Buffer.from(pair.cert) : undefined,
          key: pair ? Buffer.from(pair.key) : undefined,
          token: id.token,
          namespace: 'default',
          source: 'test',
        },
        { retry: NO_RETRY, timeoutMs: 10_000, userAgent: id.userAgent },
      );
      clients.push(c);
      return c;
    };
    const adminPair = { cert: readFileSync(pki.admin.cert, 'utf8'), key: readFileSync(pki.admin.key, 'utf8') };
    return {
      address: server.address,
      server,
      pki,
      ca,
      dir,
      auditLogPath,
      client,
      admin: () => client({ pair: adminPair }),
      async stop() {
        clients.forEach((c) => c.close());
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A certificate for `user` from a CA the apiserver does not trust. */
export async function foreignCertificate(user: string, groups: string[] = []): Promise<CertKeyPair> {
  return issueClientCertificate(await createCA('someone-else'), user, groups);
}

/**
 * A fresh namespace holding one policy object (a LimitRange, a ResourceQuota), returned once the
 * watch cache, which admission reads, has it.
 */
export async function namespaceWith<T extends KubeObject>(admin: Clientset, kind: KindInfo<T>, namespace: string, obj: T): Promise<string> {
  await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: namespace } }));
  await admin.resource(kind).create(obj, { namespace });
  await waitFor(`the ${kind.kind} in the watch cache`, async () => (await admin.resource(kind).list({ namespace, resourceVersion: '0' })).items.length === 1, 5000);
  return namespace;
}

/** A user entry of a kubeconfig (kubectl's field names). */
export type KubeconfigUser = { token: string } | { 'client-certificate-data': string; 'client-key-data': string };

/**
 * A kubeconfig, as the real kubectl reads it, for the admin (and any `users` added) towards
 * `server` (default: the HTTPS port), with `namespace` as the context's; written 0600 to `file`.
 */
export function writeKubeconfig(s: SecureApiserver, file: string, opts: { namespace: string; server?: string; users?: Record<string, KubeconfigUser> }): string {
  const b64 = (path: string) => readFileSync(path).toString('base64');
  const admin = { 'client-certificate-data': b64(s.pki.admin.cert), 'client-key-data': b64(s.pki.admin.key) };
  const users = Object.entries({ admin, ...opts.users }).map(([name, user]) => ({ name, user }));
  const server = opts.server ?? `https://127.0.0.1:${s.server.securePort}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kite', cluster: { server, 'certificate-authority-data': b64(s.pki.ca.cert) } }],
    users,
    contexts: [{ name: 'kite', context: { cluster: 'kite', user: 'admin', namespace: opts.namespace } }],
    'current-context': 'kite',
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/**
 * The real kubectl with the environment `env()` gives (its KUBECONFIG, read at each call, as tests
 * set it up in `before`): stdout, or an error carrying kubectl's stderr.
 */
export function kubectlWith(env: () => NodeJS.ProcessEnv): (...args: string[]) => Promise<string> {
  return async (...args) => {
    try {
      return (await promisify(execFile)('kubectl', args, { env: env(), timeout: 60_000 })).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')}: ${e.stderr || e.message}`);
    }
  };
}
