// The health check node ports of Services with externalTrafficPolicy Local, as kube-proxy's
// ServiceHealthServer (pkg/proxy/healthcheck/service_health.go): one HTTP listener per
// healthCheckNodePort, answering 200 while this node has local endpoints for the Service and
// 503 otherwise, so a load balancer only sends traffic to nodes that will not drop it. Any
// path answers (load balancers probe "/healthz" or "/").
import { createServer, type Server } from 'node:http';
import { logger } from '../../../lib/log';

interface Listener {
  service: string;
  port: number;
  server: Server;
  localEndpoints: number;
}

export class ServiceHealthServer {
  private readonly listeners = new Map<number, Listener>();
  private readonly log = logger('kube-proxy');

  /** `addresses`: where to listen (kube-proxy's --nodeport-addresses); every address when empty. */
  constructor(private readonly addresses: string[] = []) {}

  /** Opens the ports of `services` ("namespace/name" -> port), closes the others. */
  async syncServices(services: ReadonlyMap<string, number>): Promise<void> {
    const wanted = new Map([...services].map(([service, port]) => [port, service]));
    for (const [port, l] of this.listeners) {
      if (wanted.get(port) !== l.service) {
        l.server.close();
        this.listeners.delete(port);
      }
    }
    for (const [port, service] of wanted) {
      if (this.listeners.has(port)) continue;
      const l: Listener = { service, port, server: createServer((_req, res) => this.answer(l, res)), localEndpoints: 0 };
      try {
        await this.listen(l.server, port);
        this.listeners.set(port, l);
      } catch (err) {
        this.log.error({ service, port, err: (err as Error).message }, 'failed to open the health check node port');
      }
    }
  }

  /** Local ready endpoints per Service ("namespace/name"); absent means none. */
  syncEndpoints(counts: ReadonlyMap<string, number>): void {
    for (const l of this.listeners.values()) l.localEndpoints = counts.get(l.service) ?? 0;
  }

  /** The ports open now. */
  ports(): number[] {
    return [...this.listeners.keys()].sort((a, b) => a - b);
  }

  close(): void {
    for (const l of this.listeners.values()) l.server.close();
    this.listeners.clear();
  }

  private answer(l: Listener, res: import('node:http').ServerResponse): void {
    const [namespace, name] = l.service.split('/');
    const count = l.localEndpoints;
    res.writeHead(count > 0 ? 200 : 503, {
      'Content-Type': 'application/json',
      'X-Content-Type-Options': 'nosniff',
      'X-Load-Balancing-Endpoint-Weight': String(count),
    });
    res.end(JSON.stringify({ service: { namespace, name }, localEndpoints: count, serviceProxyHealthy: true }, null, '\t'));
  }

  private async listen(server: Server, port: number): Promise<void> {
    const hosts = this.addresses.length ? this.addresses : [undefined];
    // One server per address would be kube-proxy's way; Node binds one socket, so several
    // addresses get one server each sharing the handler.
    const [first, ...rest] = hosts;
    await bind(server, port, first);
    for (const host of rest) {
      const extra = createServer((req, res) => server.emit('request', req, res));
      await bind(extra, port, host);
      server.on('close', () => extra.close());
    }
  }
}

function bind(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
