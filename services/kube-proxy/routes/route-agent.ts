// The pod network agent of a node (kindnet's job): keeps a route to every other node's
// podCIDR via its InternalIP, removes routes of nodes that are gone, and keeps the pod
// subnet's forwarding and masquerade rules. Nodes come from informer callbacks; syncs are
// coalesced and retried like the proxier's.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Node } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { jumpRuleFixes } from '../iptables/jump-rules';
import { renderRestore } from '../iptables/restore-payload';
import type { IptablesRunner } from '../iptables/runner';
import { parseIptablesSave } from '../iptables/save-parser';
import { SyncRunner } from '../sync-runner';
import { desiredRoutes, routeChanges } from './desired-routes';
import { podNetworkJumpRules, podNetworkRules } from './pod-network-rules';
import type { RouteExecutor } from './route-executor';

export interface RouteAgentOptions {
  /** This node's name: no route is made to its own podCIDR. */
  nodeName: string;
  /** The cluster's pod subnet (kind's networking.podSubnet), e.g. 10.244.0.0/16. */
  podSubnet: string;
  routes: RouteExecutor;
  iptables: IptablesRunner;
  minSyncPeriodMs?: number;
  /** Full resync period: routes and iptables rules re-checked (default 30 s). */
  syncPeriodMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface RouteSyncResult {
  full: boolean;
  replaced: number;
  removed: number;
  durationMs: number;
}

export class RouteAgent extends EventEmitter {
  private readonly nodes = new Map<string, Node>();
  private readonly runner: SyncRunner;
  private readonly log = logger('route-agent');

  syncCount = 0;
  lastSyncTime: Date | undefined;
  lastSyncDurationMs: number | undefined;
  lastError: string | undefined;

  constructor(private readonly options: RouteAgentOptions) {
    super();
    this.runner = new SyncRunner((full) => this.sync(full), {
      minIntervalMs: options.minSyncPeriodMs ?? 1000,
      periodMs: options.syncPeriodMs ?? 30_000,
      retryMinMs: options.retryMinMs ?? 1000,
      retryMaxMs: options.retryMaxMs ?? 30_000,
    });
  }

  onNodeUpsert(node: Node): void {
    this.nodes.set(node.metadata?.name ?? '', node);
    this.runner.request();
  }

  onNodeDelete(node: { metadata?: { name?: string } }): void {
    if (this.nodes.delete(node.metadata?.name ?? '')) this.runner.request();
  }

  /** Starts syncing; call once the initial node list is in. */
  start(): void {
    this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  private async sync(full: boolean): Promise<void> {
    const start = performance.now();
    try {
      if (full) await this.syncRules();
      const { replace, remove } = routeChanges(await this.options.routes.list(), desiredRoutes(this.options.nodeName, this.nodes.values()));
      for (const route of replace) {
        await this.options.routes.replace(route);
        this.log.info({ dst: route.dst, via: route.via }, 'route set');
      }
      for (const route of remove) {
        await this.options.routes.remove(route);
        this.log.info({ dst: route.dst, via: route.via }, 'route removed');
      }
      const durationMs = performance.now() - start;
      this.syncCount++;
      this.lastSyncTime = new Date();
      this.lastSyncDurationMs = durationMs;
      this.lastError = undefined;
      this.emit('synced', { full, replaced: replace.length, removed: remove.length, durationMs } satisfies RouteSyncResult);
    } catch (err) {
      this.lastError = (err as Error).message;
      this.log.error({ err: this.lastError }, 'failed to sync pod network, will retry');
      this.emit('syncFailed', err);
      throw err;
    }
  }

  /** The pod subnet never changes at run time, so the rules are only (re)written on full syncs. */
  private async syncRules(): Promise<void> {
    const saved = parseIptablesSave(await this.options.iptables.save());
    const fixes = jumpRuleFixes(saved, podNetworkJumpRules);
    const { filter, nat } = podNetworkRules(this.options.podSubnet);
    filter.prelude.push(...(fixes.get('filter') ?? []));
    nat.prelude.push(...(fixes.get('nat') ?? []));
    await this.options.iptables.restore(renderRestore([filter, nat]));
  }
}
