// A cluster's PKI on disk, laid out like kubeadm's /etc/kubernetes/pki: the CA, the apiserver's
// serving certificate, and one client certificate per identity (admin in system:masters, each
// control-plane component, one system:node:<name> per node), and the service-account key pair
// (sa.key, sa.pub) that signs and verifies bound tokens. Running it again reuses the CA, the
// key pair and every certificate already there (so nodes can be added later); the apiserver's is
// reissued if it lacks a requested name.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalName, createCA, describeCertificate, issueCertificate, type CertKeyPair, type CertificateOptions } from './certificates';

/** Names every apiserver certificate covers (the in-cluster Service names and loopback). */
export const DEFAULT_APISERVER_SANS = [
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  'localhost',
  '127.0.0.1',
  '::1',
];

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';
export const MASTERS_GROUP = 'system:masters';
/**
 * The apiserver's user towards kubelets. Not in system:masters (as in current kubeadm): the
 * bootstrap policy binds it to system:kubelet-api-admin, all a kubelet's endpoint needs.
 */
export const KUBELET_API_CLIENT_USER = 'kube-apiserver-kubelet-client';

export interface ClusterPKIOptions {
  /** Extra DNS names and IPs of the apiserver (node addresses, the Service ClusterIP, host names). */
  apiserverSANs?: string[];
  /** Nodes to issue system:node:<name> certificates for. */
  nodeNames?: string[];
}

/** Paths of one identity's certificate and key. */
export interface CertFiles {
  cert: string;
  key: string;
}

export interface ClusterPKI {
  dir: string;
  ca: CertFiles;
  apiserver: CertFiles;
  /** kubernetes-admin in system:masters. */
  admin: CertFiles;
  scheduler: CertFiles;
  controllerManager: CertFiles;
  proxy: CertFiles;
  /** The apiserver's identity towards kubelets (logs, exec). */
  apiserverKubeletClient: CertFiles;
  /** system:node:<name> per node name. */
  nodes: Record<string, CertFiles>;
  /** kubeadm's sa.key (RSA, signs service-account tokens) and sa.pub (verifies them). */
  serviceAccount: { key: string; pub: string };
}

function files(dir: string, base: string): CertFiles {
  return { cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
}

function read(f: CertFiles): CertKeyPair {
  return { cert: readFileSync(f.cert, 'utf8'), key: readFileSync(f.key, 'utf8') };
}

function write(f: CertFiles, pair: CertKeyPair): void {
  writeFileSync(f.cert, pair.cert, { mode: 0o644 });
  writeFileSync(f.key, pair.key, { mode: 0o600 });
  chmodSync(f.key, 0o600);
}

/** The service-account key pair, as kubeadm makes it: a 2048-bit RSA key and its public half. */
function ensureServiceAccountKeys(f: { key: string; pub: string }): void {
  if (existsSync(f.key) && existsSync(f.pub)) return;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(f.key, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  chmodSync(f.key, 0o600);
  writeFileSync(f.pub, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
}

async function ensure(f: CertFiles, make: () => Promise<CertKeyPair>): Promise<void> {
  if (existsSync(f.cert) && existsSync(f.key)) return;
  write(f, await make());
}

/** Writes (or completes) the cluster PKI in `dir` and returns where each file is. */
export async function writeClusterPKI(dir: string, opts: ClusterPKIOptions = {}): Promise<ClusterPKI> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki: ClusterPKI = {
    dir,
    ca: files(dir, 'ca'),
    apiserver: files(dir, 'apiserver'),
    admin: files(dir, 'admin'),
    scheduler: files(dir, 'kube-scheduler'),
    controllerManager: files(dir, 'kube-controller-manager'),
    proxy: files(dir, 'kube-proxy'),
    apiserverKubeletClient: files(dir, 'apiserver-kubelet-client'),
    nodes: {},
    serviceAccount: { key: join(dir, 'sa.key'), pub: join(dir, 'sa.pub') },
  };
  await ensure(pki.ca, () => createCA('kite-ca'));
  const ca = read(pki.ca);
  const issue = (f: CertFiles, o: CertificateOptions) => ensure(f, () => issueCertificate(ca, o));
  const sans = [...new Set([...DEFAULT_APISERVER_SANS, ...(opts.apiserverSANs ?? [])])];
  if (existsSync(pki.apiserver.cert)) {
    const have = new Set(describeCertificate(readFileSync(pki.apiserver.cert, 'utf8')).altNames);
    if (sans.some((n) => !have.has(canonicalName(n)))) rmSync(pki.apiserver.cert);
  }
  await issue(pki.apiserver, { commonName: 'kube-apiserver', altNames: sans, usage: 'server' });
  await issue(pki.admin, { commonName: 'kubernetes-admin', organizations: [MASTERS_GROUP], usage: 'client' });
  await issue(pki.scheduler, { commonName: 'system:kube-scheduler', usage: 'client' });
  await issue(pki.controllerManager, { commonName: 'system:kube-controller-manager', usage: 'client' });
  await issue(pki.proxy, { commonName: 'system:kube-proxy', usage: 'client' });
  await issue(pki.apiserverKubeletClient, { commonName: KUBELET_API_CLIENT_USER, usage: 'client' });
  ensureServiceAccountKeys(pki.serviceAccount);
  for (const node of opts.nodeNames ?? []) {
    pki.nodes[node] = files(dir, `node-${node}`);
    await issue(pki.nodes[node], { commonName: `${NODE_USER_PREFIX}${node}`, organizations: [NODES_GROUP], usage: 'client' });
  }
  return pki;
}
