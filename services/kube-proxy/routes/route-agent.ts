// The pod network agent of a node (kindnet's job): keeps a route to every other node's
// podCIDR via its InternalIP, removes routes of nodes that are gone, and keeps the pod
// subnet's forwarding and masquerade rules. Nodes come from informer callbacks; syncs are
// coalesced and retried like the proxier's. The jump to KITE-MASQ must stay first in nat
// POSTROUTING: the node's Docker Engine inserts `-s <pod bridge subnet> ! -o <bridge> -j
// MASQUERADE` at the top when the kubelet makes the pod network, and above KITE-MASQ that rule
// would masquerade pod-to-pod traffic to other nodes (their pods, and NetworkPolicies, would see
// the node's address); the jump monitor asks for a full sync as soon as it is out of place.
import type { Node } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { jumpRuleFixes } from '../iptables/jump-rules';
import { renderRestore } from '../iptables/restore-payload';
import type { IptablesRunner } from '../iptables/runner';
import { parseIptablesSave, type SavedTables } from '../iptables/save-parser';
import type { JumpWatcher, MonitoredChain } from '../jump-monitor';
import { SyncLoop, type SyncLoopOptions } from '../sync-loop';
import { desiredRoutes, routeChanges } from './desired-routes';
import { podNetworkJumpRules, podNetworkRules } from './pod-network-rules';
import type { RouteExecutor } from './route-executor';

export interface RouteAgentOptions extends SyncLoopOptions {
  /** This node's name: no route is made to its own podCIDR. */
  nodeName: string;
  /** The cluster's pod subnet (kind's networking.podSubnet), e.g. 10.244.0.0/16. */
  podSubnet: string;
  routes: RouteExecutor;
  iptables: IptablesRunner;
}

export interface RouteSyncResult {
  full: boolean;
  replaced: number;
  removed: number;
  durationMs: number;
}

/** Full syncs (at start and every syncPeriodMs) re-check routes and rewrite the iptables rules. */
/** The built-in chains holding the pod network's jumps. */
const jumpChains: MonitoredChain[] = [...new Map(podNetworkJumpRules.map((j) => [`${j.table} ${j.chain}`, { table: j.table, chain: j.chain }])).values()];

export class RouteAgent extends SyncLoop implements JumpWatcher {
  readonly jumpChains = jumpChains;
  private readonly nodes = new Map<string, Node>();
  private readonly log = logger('route-agent');

  constructor(private readonly options: RouteAgentOptions) {
    super(options);
  }

  onNodeUpsert(node: Node): void {
    this.nodes.set(node.metadata?.name ?? '', node);
    this.runner.request();
  }

  onNodeDelete(node: { metadata?: { name?: string } }): void {
    if (this.nodes.delete(node.metadata?.name ?? '')) this.runner.request();
  }

  /** Whether a full sync would move, add or delete one of the pod network's jumps. */
  jumpsNeedFix(saved: SavedTables): boolean {
    return jumpRuleFixes(saved, podNetworkJumpRules).size > 0;
  }

  /** Asks for a full sync soon (the jump monitor saw a jump out of place). */
  requestFullSync(): void {
    this.runner.requestFull();
  }

  protected async syncOnce(full: boolean): Promise<Omit<RouteSyncResult, 'full' | 'durationMs'>> {
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
    return { replaced: replace.length, removed: remove.length };
  }

  protected syncFailed(err: Error): void {
    this.log.error({ err: err.message }, 'failed to sync pod network, will retry');
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
