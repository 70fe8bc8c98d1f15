// Runs kite-dns against an apiserver, as CoreDNS with its kubernetes, forward, cache, health and
// ready plugins: informers on Services, EndpointSlices and Namespaces (and Pods for verified pod
// records) rewrite the record store on each event; the DNS server answers over UDP and TCP;
// /health (liveness) and /ready (readiness: caches synced) are served on their own ports, and
// /metrics (CoreDNS's prometheus plugin, metrics.ts) on its own.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { EndpointSlices, Namespaces, objectKey, Pods, Services } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import type { EndpointSlice } from '../../lib/gen/kite/discovery/v1/types';
import { InformerFactory } from '../../lib/informer';
import { logger } from '../../lib/log';
import { ClusterZone, type PodMode } from './cluster-zone';
import { DnsServer } from './dns-server';
import { Forwarder, type Upstream } from './forwarder';
import { DnsMetrics } from './metrics';
import { QueryHandler } from './query-handler';
import { RecordStore } from './record-store';
import { canonicalName, SERVICE_NAME_LABEL, serviceRecords } from './records';
import { ResponseCache } from './response-cache';

export interface KiteDnsOptions {
  clusterDomain: string;
  listenHost: string;
  /** 0: any free port. */
  listenPort: number;
  upstreams: Upstream[];
  /** TTL of the cluster records, seconds (CoreDNS kubernetes plugin's default: 5). */
  ttl: number;
  podMode: PodMode;
  /** The longest a forwarded answer is cached, seconds (CoreDNS's `cache TTL`); undefined: an hour (30 min for denials). */
  cacheTtl?: number;
  /** Deadline for an upstream answer (CoreDNS forward's: 2 s per attempt). */
  upstreamTimeoutMs: number;
  /** host:port of /health; undefined: off. Port 0: any free port. */
  healthListen?: { host: string; port: number };
  /** host:port of /ready; undefined: off. */
  readyListen?: { host: string; port: number };
  /** host:port of /metrics (Prometheus); undefined: off. */
  metricsListen?: { host: string; port: number };
}

export interface RunningDns {
  port: number;
  healthPort?: number;
  readyPort?: number;
  metricsPort?: number;
  store: RecordStore;
  done: Promise<void>;
}

const BY_SERVICE = 'byService';
const BY_POD_IP = 'byPodIP';

export async function runKiteDns(client: Clientset, opts: KiteDnsOptions, signal: AbortSignal): Promise<RunningDns> {
  const log = logger('kite-dns');
  const domain = canonicalName(opts.clusterDomain);
  const store = new RecordStore([domain]);
  let ready = false;
  const factory = new InformerFactory((kind, scope) => client.resource(kind).listerWatcher(scope));
  const services = factory.forKind(Services);
  const slices = factory.forKind(EndpointSlices);
  slices.addIndexers({ [BY_SERVICE]: (s: EndpointSlice) => (s.metadata?.labels?.[SERVICE_NAME_LABEL] ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []) });
  const namespaces = factory.forKind(Namespaces);
  const pods = opts.podMode === 'verified' ? factory.forKind(Pods) : undefined;
  pods?.addIndexers({ [BY_POD_IP]: (p) => (p.status?.podIPs?.length ? p.status.podIPs.map((i) => `${p.metadata!.namespace}|${i.ip}`) : p.status?.podIP ? [`${p.metadata!.namespace}|${p.status.podIP}`] : []) });

  const sync = (key: string) => {
    const svc = services.lister().get(key);
    const records = svc ? serviceRecords(svc, slices.lister().byIndex(BY_SERVICE, key), domain, opts.ttl) : [];
    store.replace(`service/${key}`, records);
  };
  services.addEventHandler({ onAdd: (s) => sync(objectKey(s)), onUpdate: (_o, s) => sync(objectKey(s)), onDelete: (s) => sync(objectKey(s)) });
  const sliceService = (s: EndpointSlice) => {
    const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name) sync(`${s.metadata!.namespace}/${name}`);
  };
  slices.addEventHandler({
    onAdd: sliceService,
    onUpdate: (o, s) => {
      sliceService(o);
      sliceService(s);
    },
    onDelete: sliceService,
  });

  const zone = new ClusterZone(store, {
    domain,
    ttl: opts.ttl,
    podMode: opts.podMode,
    namespaceExists: (ns) => namespaces.lister().get(ns) !== undefined,
    podHasIP: (ns, ip) => (pods ? pods.lister().byIndex(BY_POD_IP, `${ns}|${ip}`).length > 0 : false),
    synced: () => ready,
  });
  const forwarder = new Forwarder(opts.upstreams, opts.upstreamTimeoutMs);
  const metrics = opts.metricsListen ? new DnsMetrics() : undefined;
  const server = new DnsServer(new QueryHandler(zone, forwarder, new ResponseCache(undefined, undefined, opts.cacheTtl), metrics), metrics);

  factory.start(signal);
  const health = opts.healthListen ? await serveHttp(opts.healthListen, '/health', probe(() => true)) : undefined;
  const readiness = opts.readyListen ? await serveHttp(opts.readyListen, '/ready', probe(() => ready)) : undefined;
  const scrape = metrics && opts.metricsListen ? await serveHttp(opts.metricsListen, '/metrics', (res) => exposition(metrics, res)) : undefined;
  const port = await server.listen({ host: opts.listenHost, port: opts.listenPort });
  log.info({ port, domain, upstreams: opts.upstreams.map((u) => `${u.host}:${u.port}`) }, 'serving DNS');
  const synced = await factory.waitForCacheSync(signal);
  ready = synced;
  if (synced) log.info({ records: store.size }, 'caches synced; ready');

  const done = (async () => {
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    ready = false;
    health?.server.close();
    readiness?.server.close();
    scrape?.server.close();
    forwarder.close();
    await server.close();
    await factory.stopped();
  })();
  return { port, healthPort: health?.port, readyPort: readiness?.port, metricsPort: scrape?.port, store, done };
}

/** CoreDNS's health and ready plugins: 200 "OK" while ok(), else 503. */
function probe(ok: () => boolean): (res: ServerResponse) => void {
  return (res) => {
    const good = ok();
    res.writeHead(good ? 200 : 503, { 'content-type': 'text/plain' }).end(good ? 'OK' : 'not ready');
  };
}

/** The Prometheus text exposition of `metrics`. */
function exposition(metrics: DnsMetrics, res: ServerResponse): void {
  metrics.registry.metrics().then(
    (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
    (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
  );
}

/** An HTTP server answering GET `path` with `answer`, 404 for any other path. */
async function serveHttp(listen: { host: string; port: number }, path: string, answer: (res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    answer(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return { server, port: (server.address() as { port: number }).port };
}
