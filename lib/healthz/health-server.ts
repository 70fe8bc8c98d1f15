// The secure serving of kube-scheduler and kube-controller-manager, reduced to what their static
// pods' probes and a load balancer ask: HTTPS on --secure-port (10259 and 10257) with GET
// /healthz, /livez and /readyz (and /<endpoint>/<check>) written as k8s.io/apiserver's healthz
// writes them (services/apiserver/http/discovery/health.ts), readable without credentials as
// the components' default --authorization-always-allow-paths allow. Without a certificate of its
// own the server makes a self-signed one in memory, as the components do without
// --tls-cert-file: a CA "<host>-ca@<unix time>" and a serving certificate "<host>@<unix time>"
// for localhost and 127.0.0.1. Anything else is 404.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { healthDocument, type HealthCheck } from '../../services/apiserver/http/discovery/health';
import type { LeaderElector } from '../leaderelection';
import { createCA, issueServerCertificate, type CertKeyPair } from '../pki/certificates';

export type { HealthCheck } from '../../services/apiserver/http/discovery/health';

export interface HealthServerOptions {
  port: number;
  bindAddress: string;
  /** Checks of /healthz and /livez (ping is always there). */
  checks: readonly HealthCheck[];
  /** Checks of /readyz; default: `checks`. */
  readyzChecks?: readonly HealthCheck[];
  /** The serving pair; default: a self-signed one. */
  certificate?: CertKeyPair;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** How long past the lease duration a stuck leader stays healthy (both components' 20 s). */
export const LEADER_ELECTION_TOLERANCE_MS = 20_000;

/** The leaderElection check of /healthz: the elector's watchdog. */
export function leaderElectionCheck(elector: LeaderElector, toleranceMs = LEADER_ELECTION_TOLERANCE_MS): HealthCheck {
  return { name: 'leaderElection', check: async () => elector.check(toleranceMs) };
}

/** A self-signed serving pair for localhost, as client-go's GenerateSelfSignedCertKey makes one. */
export async function selfSignedServingCertificate(host = 'localhost'): Promise<CertKeyPair> {
  const stamp = Math.floor(Date.now() / 1000);
  const ca = await createCA(`${host}-ca@${stamp}`, 365);
  return issueServerCertificate(ca, `${host}@${stamp}`, ['localhost', '127.0.0.1']);
}

/** Listens on the port (0: any free one); rejects when it cannot, as the components fail to start. */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const { cert, key } = opts.certificate ?? (await selfSignedServingCertificate());
  const server: Server = createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const checks = url.pathname.replace(/^\/+/, '').startsWith('readyz') ? (opts.readyzChecks ?? opts.checks) : opts.checks;
    const answer = req.method === 'GET' || req.method === 'HEAD' ? healthDocument(url.pathname, url.searchParams, checks) : Promise.resolve(undefined);
    answer.then(
      (doc) => {
        if (!doc) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        else res.writeHead(doc.status, { 'content-type': doc.contentType, ...doc.headers }).end(doc.body);
      },
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
