// Writes kubeconfig-shaped files (lib/client/kubeconfig.ts reads them) carrying the cluster CA
// and one identity: a client certificate and key, or a bearer token. `kite` writes one per
// component and an admin config per cluster.
import { readFileSync } from 'node:fs';
import { writeConfigFile, type KubeConfigFile } from '../client/kubeconfig';
import type { CertFiles, ClusterPKI } from './cluster-pki';

export interface KubeconfigOptions {
  /** "https://host:port" (TLS) or "host:port". */
  server: string;
  /** CA certificate, PEM. */
  ca?: string;
  /** Client certificate and key, PEM. */
  cert?: string;
  key?: string;
  token?: string;
  /** Names inside the file (defaults: "kite", "kite-user"). */
  clusterName?: string;
  userName?: string;
  namespace?: string;
  /** Name to verify in the server's certificate when dialing an address it does not list. */
  tlsServerName?: string;
}

const b64 = (pem: string | undefined) => (pem ? Buffer.from(pem).toString('base64') : undefined);

export function kubeconfigFor(o: KubeconfigOptions): KubeConfigFile {
  const cluster = o.clusterName ?? 'kite';
  const user = o.userName ?? 'kite-user';
  const context = `${user}@${cluster}`;
  if (o.token && (o.cert || o.key)) throw new Error('a kubeconfig user has either a client certificate or a token, not both');
  if (!o.cert !== !o.key) throw new Error('a client certificate needs its key (and a key its certificate)');
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: {
          server: o.server,
          ...(o.ca ? { 'certificate-authority-data': b64(o.ca) } : {}),
          ...(o.tlsServerName ? { 'tls-server-name': o.tlsServerName } : {}),
        },
      },
    ],
    users: [
      {
        name: user,
        user: {
          ...(o.cert ? { 'client-certificate-data': b64(o.cert), 'client-key-data': b64(o.key) } : {}),
          ...(o.token ? { token: o.token } : {}),
        },
      },
    ],
    contexts: [{ name: context, context: { cluster, user, ...(o.namespace ? { namespace: o.namespace } : {}) } }],
    'current-context': context,
  };
}

/** Writes a kubeconfig (mode 0600, atomically). */
export function writeKubeconfig(path: string, o: KubeconfigOptions): void {
  writeConfigFile(path, kubeconfigFor(o));
}

/** The kubeconfig of one identity of a cluster PKI. */
export function writeKubeconfigForIdentity(path: string, pki: ClusterPKI, identity: CertFiles, server: string, userName: string, clusterName = 'kite'): void {
  writeKubeconfig(path, {
    server,
    clusterName,
    userName,
    ca: readFileSync(pki.ca.cert, 'utf8'),
    cert: readFileSync(identity.cert, 'utf8'),
    key: readFileSync(identity.key, 'utf8'),
  });
}
