// Prometheus metrics on a separate port (--metrics-port): requests by method and code, latency,
// open watchers, objects per kind, the store's revision and API Priority and Fairness' queues.
// As kube-apiserver serves /metrics, the caller must authenticate the way gRPC callers do
// (HTTPS with a client certificate or a bearer token when TLS and authentication are configured)
// and be allowed `get` on the non-resource URL /metrics (cluster-admin, system:monitoring).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Counter, Gauge, Histogram, Registry as PromRegistry, collectDefaultMetrics } from 'prom-client';
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { Authenticator } from './auth/authn/authenticator';
import type { Authorizer } from './auth/authz/authorizer';
import { forbiddenMessage } from './auth/authz/forbidden';
import type { TLSFiles } from './auth/tls';
import { nonResourceAttributes } from './auth/request-attributes';
import type { PriorityLevelStats } from './flowcontrol/priority-and-fairness';
import type { Registry } from './registry/registry';
import type { Storage } from './storage';

/** How /metrics callers are identified and authorized. */
export interface MetricsAccess {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** Serve HTTPS with the apiserver's certificate (asking for, not requiring, a client certificate). */
  tls?: TLSFiles;
}

export class ApiserverMetrics {
  readonly prom = new PromRegistry();
  readonly watchers = { open: 0 };
  private readonly requests: Counter;
  private readonly latency: Histogram;
  private http?: HttpServer;

  constructor(storage: Storage, registries: Map<string, Registry<any>>) {
    collectDefaultMetrics({ register: this.prom });
    this.requests = new Counter({ name: 'apiserver_request_total', help: 'gRPC requests by method and code', labelNames: ['method', 'code'], registers: [this.prom] });
    this.latency = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'gRPC request latency by method',
      labelNames: ['method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.prom],
    });
    const watchers = this.watchers;
    new Gauge({ name: 'apiserver_registered_watchers', help: 'open watch streams', registers: [this.prom], collect() { this.set(watchers.open); } });
    new Gauge({
      name: 'apiserver_storage_objects',
      help: 'objects per kind in the watch cache',
      labelNames: ['resource'],
      registers: [this.prom],
      collect() {
        // The metrics API's kinds are left out: not stored, and their resources are core's names.
        for (const r of registries.values()) if (!r.kind.declaration.ephemeral) this.set({ resource: r.kind.resource }, r.cachedCount);
      },
    });
    new Gauge({
      name: 'apiserver_storage_revision',
      help: 'current store revision',
      registers: [this.prom],
      async collect() {
        this.set(await storage.currentRevision());
      },
    });
  }

  observe(method: string, code: number, seconds: number): void {
    this.requests.inc({ method, code: Status[code] ?? String(code) });
    this.latency.observe({ method }, seconds);
  }

  /** apiserver_flowcontrol_* gauges from the priority levels' state. */
  flowControl(stats: () => PriorityLevelStats[]): void {
    const gauge = (name: string, help: string, value: (s: PriorityLevelStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['priority_level'],
        registers: [this.prom],
        collect() {
          for (const s of stats()) this.set({ priority_level: s.priorityLevel }, value(s));
        },
      });
    gauge('apiserver_flowcontrol_current_executing_requests', 'requests executing per priority level', (s) => s.executing);
    gauge('apiserver_flowcontrol_current_inqueue_requests', 'requests waiting in queues per priority level', (s) => s.waiting);
    gauge('apiserver_flowcontrol_nominal_limit_seats', 'seats of each priority level', (s) => (Number.isFinite(s.concurrencyLimit) ? s.concurrencyLimit : 0));
    new Gauge({
      name: 'apiserver_flowcontrol_rejected_requests_total',
      help: 'requests refused per priority level and reason (queue-full, concurrency-limit, time-out)',
      labelNames: ['priority_level', 'reason'],
      registers: [this.prom],
      collect() {
        for (const s of stats()) for (const [reason, n] of Object.entries(s.rejected)) this.set({ priority_level: s.priorityLevel, reason }, n);
      },
    });
  }

  listen(port: number, host: string, access: MetricsAccess): Promise<number> {
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      this.serve(req, res, access).catch((err: Error) => res.writeHead(500).end(`${err.message}\n`));
    };
    this.http = access.tls
      ? createHttpsServer({ cert: readFileSync(access.tls.certFile), key: readFileSync(access.tls.keyFile), ...(access.tls.clientCAFile ? { ca: readFileSync(access.tls.clientCAFile), requestCert: true, rejectUnauthorized: false } : {}) }, handle)
      : createServer(handle);
    return new Promise((resolve) => this.http!.listen(port, host, () => resolve((this.http!.address() as AddressInfo).port)));
  }

  private async serve(req: IncomingMessage, res: ServerResponse, access: MetricsAccess): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    const metadata = new Metadata();
    if (req.headers.authorization) metadata.set('authorization', req.headers.authorization);
    const socket = req.socket as TLSSocket;
    let user;
    try {
      user = await access.authenticator.authenticate({
        metadata,
        getAuthContext: () => (socket.authorized ? { transportSecurityType: 'ssl', sslPeerCertificate: socket.getPeerCertificate() } : {}),
      });
    } catch (err) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      return;
    }
    const attrs = nonResourceAttributes(req.method === 'HEAD' ? 'head' : 'get', path);
    const decision = await access.authorizer.authorize(user, attrs);
    if (decision.decision !== 'allow') {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${forbiddenMessage(user, attrs, decision.reason)}\n`);
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404).end('not found; try /metrics\n');
      return;
    }
    const text = await this.prom.metrics();
    res.writeHead(200, { 'content-type': this.prom.contentType }).end(text);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
  }
}
