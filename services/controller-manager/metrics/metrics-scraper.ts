// The metrics-scraper: Kite's metrics-server, run by the controller-manager. Every resolution
// (--metric-resolution, metrics-server's 15 s) it reads every node's Summary from its kubelet
// (GetSummary, authorized on the kubelet as `get nodes/stats` for the controller-manager's
// identity, as the apiserver reaches kubelets for logs: the node's InternalIP and kubelet port,
// lib/client/kubelet-client.ts), computes each node's and pod's windowed CPU rate from this and
// the previous sample (rate.ts) and writes NodeMetrics and PodMetrics through the apiserver, which
// keeps them in memory. Pods and nodes without two samples yet are left out; metrics not
// refreshed for a few resolutions (a node unreachable, a pod gone) are deleted, as
// metrics-server's store drops them.
import { credentials as grpcCredentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { isAlreadyExists, isNotFound } from '../../../lib/api/errors';
import { NodeMetricsKind, Nodes, objectKey, PodMetricsKind, Pods } from '../../../lib/api/kinds';
import { kubeletAddress, kubeletClient } from '../../../lib/client/kubelet-client';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { KubeletServiceClient, NodeStats, PodStats, Summary } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import type { NodeMetrics, PodMetrics } from '../../../lib/gen/kite/metrics/v1beta1/types';
import type { SharedInformer } from '../../../lib/informer';
import type { Logger } from '../../../lib/log';
import type { Controller, ControllerContext } from '../controller';
import { waitForSync } from '../controller';
import { nodeMetrics, podMetrics } from './rate';

export interface MetricsScraperOptions {
  /** --metric-resolution: how often kubelets are scraped (metrics-server: 15 s). */
  resolutionMs: number;
  /** How to dial kubelets: TLS with the controller-manager's client certificate; plaintext when absent. */
  kubeletCredentials?: ChannelCredentials;
  /** Metrics older than this many resolutions are deleted. */
  staleResolutions: number;
}

export const DEFAULT_METRICS_SCRAPER_OPTIONS: MetricsScraperOptions = { resolutionMs: 15_000, staleResolutions: 3 };

/** One scrape of a node: its Summary, or why there is none. */
export type SummaryReader = (node: Node, timeoutMs: number) => Promise<Summary>;

export class MetricsScraper implements Controller {
  readonly name = 'metrics-scraper';
  private readonly opts: MetricsScraperOptions;
  private readonly log: Logger;
  private readonly nodes: SharedInformer<Node>;
  private readonly pods: SharedInformer<Pod>;
  private readonly nodeMetricsInformer: SharedInformer<NodeMetrics>;
  private readonly podMetricsInformer: SharedInformer<PodMetrics>;
  /** The last sample of each node and pod (by node name, by namespace/name). */
  private readonly lastNode = new Map<string, NodeStats>();
  private readonly lastPod = new Map<string, PodStats>();
  /** When each metrics object was last written (ms), to drop stale ones. */
  private readonly written = new Map<string, number>();
  private readonly clients = new Map<string, KubeletServiceClient>();
  private readonly read: SummaryReader;

  constructor(
    private readonly ctx: ControllerContext,
    opts: Partial<MetricsScraperOptions> = {},
    read?: SummaryReader,
  ) {
    this.opts = { ...DEFAULT_METRICS_SCRAPER_OPTIONS, ...opts };
    this.log = ctx.logger('metrics-scraper');
    this.nodes = ctx.informers.forKind(Nodes);
    this.pods = ctx.informers.forKind(Pods);
    this.nodeMetricsInformer = ctx.informers.forKind(NodeMetricsKind);
    this.podMetricsInformer = ctx.informers.forKind(PodMetricsKind);
    this.read = read ?? ((node, timeoutMs) => this.readSummary(node, timeoutMs));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForSync([this.nodes, this.pods, this.nodeMetricsInformer, this.podMetricsInformer], signal))) return;
    while (!signal.aborted) {
      const started = this.ctx.now();
      await this.scrape().catch((err: Error) => this.log.warn({ err: err.message }, 'scrape failed'));
      const wait = Math.max(0, this.opts.resolutionMs - (this.ctx.now() - started));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
    for (const c of this.clients.values()) c.close();
  }

  /** One round: every node's Summary, then the metrics that changed. */
  async scrape(): Promise<void> {
    const nodes = this.nodes.lister().list();
    const timeoutMs = Math.max(1000, Math.floor(this.opts.resolutionMs * 0.9));
    const summaries = await Promise.all(
      nodes.map((n) =>
        this.read(n, timeoutMs).catch((err: Error) => {
          this.log.debug({ node: n.metadata!.name, err: err.message }, 'cannot scrape the kubelet');
          return undefined;
        }),
      ),
    );
    const writes: Promise<void>[] = [];
    for (const s of summaries) {
      if (!s?.node) continue;
      const nm = nodeMetrics(this.lastNode.get(s.node.nodeName), s.node);
      this.lastNode.set(s.node.nodeName, s.node);
      if (nm) {
        // metrics-server labels metrics as their node or pod is labelled (so `top -l` selects them).
        nm.metadata!.labels = { ...this.nodes.lister().get(s.node.nodeName)?.metadata?.labels };
        writes.push(this.write(NodeMetricsKind, this.nodeMetricsInformer, nm));
      }
      for (const p of s.pods) {
        if (!p.podRef) continue;
        const key = `${p.podRef.namespace}/${p.podRef.name}`;
        const pm = podMetrics(this.lastPod.get(key), p);
        this.lastPod.set(key, p);
        if (pm) {
          pm.metadata!.labels = { ...this.pods.lister().get(key)?.metadata?.labels };
          writes.push(this.write(PodMetricsKind, this.podMetricsInformer, pm));
        }
      }
    }
    await Promise.all(writes);
    await this.dropStale();
  }

  /**
   * Replaces the object whatever its resourceVersion (the scraper is its only writer, as
   * metrics-server is of its store), creating it when the cache does not have it yet; the
   * cache's view only picks the first call, the other is the fallback.
   */
  private async write<T extends NodeMetrics | PodMetrics>(kind: typeof NodeMetricsKind | typeof PodMetricsKind, informer: SharedInformer<T>, obj: T): Promise<void> {
    const key = objectKey(obj);
    const client = this.ctx.client.resource(kind as typeof PodMetricsKind);
    const create = () => client.create(obj as PodMetrics);
    const update = () => client.update(obj as PodMetrics);
    const [first, fallback, retryOn] = informer.lister().get(key) ? [update, create, isNotFound] : [create, update, isAlreadyExists];
    try {
      await first().catch((err: unknown) => (retryOn(err) ? fallback() : Promise.reject(err)));
      this.written.set(`${kind.kind}/${key}`, this.ctx.now());
    } catch (err) {
      this.log.debug({ key, kind: kind.kind, err: (err as Error).message }, 'metrics write failed; the next scrape retries');
    }
  }

  /** Deletes metrics not refreshed for staleResolutions (and the samples of what is gone). */
  private async dropStale(): Promise<void> {
    const cutoff = this.ctx.now() - this.opts.staleResolutions * this.opts.resolutionMs;
    const stale = [
      ...this.nodeMetricsInformer.lister().list().map((m) => [NodeMetricsKind, m] as const),
      ...this.podMetricsInformer.lister().list().map((m) => [PodMetricsKind, m] as const),
    ].filter(([kind, m]) => (this.written.get(`${kind.kind}/${objectKey(m)}`) ?? 0) < cutoff);
    await Promise.all(
      stale.map(async ([kind, m]) => {
        const key = objectKey(m);
        this.written.delete(`${kind.kind}/${key}`);
        if (kind === NodeMetricsKind) this.lastNode.delete(key);
        else this.lastPod.delete(key);
        await (this.ctx.client.resource(kind as typeof PodMetricsKind))
          .delete(m.metadata!.name, { namespace: m.metadata!.namespace })
          .catch((err: Error) => {
            if (!isNotFound(err)) this.log.debug({ key, err: err.message }, 'cannot delete stale metrics');
          });
      }),
    );
  }

  private readSummary(node: Node, timeoutMs: number): Promise<Summary> {
    const name = node.metadata!.name;
    const address = kubeletAddress(node);
    if (!address) return Promise.reject(new Error(`node ${name} has not reported a kubelet address`));
    let client = this.clients.get(name);
    if (!client) {
      client = kubeletClient(address, this.opts.kubeletCredentials ?? grpcCredentials.createInsecure(), this.opts.kubeletCredentials ? name : undefined);
      this.clients.set(name, client);
    }
    const c = client;
    return new Promise((resolve, reject) => c.getSummary({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, s) => (err ? reject(err) : resolve(s))));
  }
}
