// Prometheus metrics on a separate HTTP port: requests by method and code, latency, open
// watchers, objects per kind and the store's revision.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry as PromRegistry, collectDefaultMetrics } from 'prom-client';
import { status as Status } from '@grpc/grpc-js';
import type { Registry } from './registry/registry';
import type { Storage } from './storage';

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
        for (const r of registries.values()) this.set({ resource: r.kind.resource }, r.cache.size);
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

  listen(port: number, host: string): Promise<number> {
    this.http = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found; try /metrics\n');
        return;
      }
      this.prom.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.prom.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    return new Promise((resolve) => this.http!.listen(port, host, () => resolve((this.http!.address() as AddressInfo).port)));
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
  }
}
