// kube-proxy's iptables proxier: holds the latest Services and EndpointSlices (fed by informer
// callbacks), and keeps the node's iptables rules equal to what they imply; after each sync it
// clears stale UDP conntrack entries and updates the health check node ports. Changes are
// coalesced by a SyncRunner; a full sync (read iptables-save, fix jump rules, delete stale
// chains) runs at start, periodically and after a failure; other syncs trust what the last one
// wrote, rewrite only the services whose chains changed, and skip iptables-restore when
// nothing did.
import type { Service } from '../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../lib/gen/kite/discovery/v1/types';
import { logger } from '../../lib/log';
import { staleConntrackDeletions, type ConntrackRunner } from './conntrack';
import { EndpointSliceCache } from './endpointslice-cache';
import type { ServiceHealthServer } from './healthcheck/service-health';
import { jumpRuleFixes } from './iptables/jump-rules';
import type { JumpWatcher, MonitoredChain } from './jump-monitor';
import { RestoreError, type IptablesRunner } from './iptables/runner';
import { parseIptablesSave, type SavedTables } from './iptables/save-parser';
import { deleteStaleChains, generateRules, proxyJumpRules, type GeneratedRules, type RuleOptions } from './rules';
import { buildServicePorts, objectKey, type ServicePortInfo } from './service-ports';
import { SyncLoop, type SyncLoopOptions } from './sync-loop';

export interface ProxierOptions extends RuleOptions, SyncLoopOptions {
  runner: IptablesRunner;
  /** This node: endpoints whose nodeName it is are local (traffic policies Local). */
  nodeName?: string;
  /** Clears UDP conntrack entries of removed endpoints; none: entries expire on their own. */
  conntrack?: ConntrackRunner;
  /** Serves the healthCheckNodePorts of externalTrafficPolicy Local services. */
  healthServer?: ServiceHealthServer;
  /** Most service chains declared in one iptables-restore transaction (see RestoreTable.renderBatches). */
  maxChainsPerRestore?: number;
}

export interface SyncResult {
  full: boolean;
  /** False when the rules were unchanged and iptables-restore was skipped. */
  applied: boolean;
  durationMs: number;
}

export const defaultMaxChainsPerRestore = 2000;

type Keyed = { metadata?: { namespace?: string; name?: string } };

/** The chains the jump monitor reads: where Docker inserts rules above others (nat's jumps are only checked by full syncs). */
const monitoredJumpChains: MonitoredChain[] = [
  { table: 'filter', chain: 'FORWARD' },
  { table: 'filter', chain: 'OUTPUT' },
];
const monitoredJumps = proxyJumpRules.filter((j) => monitoredJumpChains.some((c) => c.table === j.table && c.chain === j.chain));

export class Proxier extends SyncLoop implements JumpWatcher {
  readonly jumpChains = monitoredJumpChains;
  private readonly services = new Map<string, Service>();
  private readonly slices: EndpointSliceCache;
  private readonly log = logger('kube-proxy');
  /** What the last successful sync wrote; unknown after a failure, which forces a full sync. */
  private lastApplied: GeneratedRules | undefined;
  /** The service ports the last successful sync programmed (for conntrack cleanup). */
  private lastPorts: ServicePortInfo[] = [];

  constructor(private readonly options: ProxierOptions) {
    super(options);
    this.slices = new EndpointSliceCache(options.nodeName);
  }

  onServiceUpsert(service: Service): void {
    this.services.set(objectKey(service), service);
    this.runner.request();
  }

  onServiceDelete(service: Keyed): void {
    if (this.services.delete(objectKey(service))) this.runner.request();
  }

  onEndpointSliceUpsert(slice: EndpointSlice): void {
    if (this.slices.upsert(slice)) this.runner.request();
  }

  onEndpointSliceDelete(slice: Keyed): void {
    if (this.slices.delete(slice)) this.runner.request();
  }

  /** Asks for a full sync soon (e.g. when rules may have been changed behind our back). */
  requestFullSync(): void {
    this.runner.requestFull();
  }

  /** Whether a full sync would move, add or delete one of the monitored jumps. */
  jumpsNeedFix(saved: SavedTables): boolean {
    return jumpRuleFixes(saved, monitoredJumps).size > 0;
  }

  protected async syncOnce(full: boolean): Promise<Omit<SyncResult, 'full' | 'durationMs'>> {
    const ports = buildServicePorts(this.services.values(), this.slices);
    const applied = await this.syncRules(ports, full || !this.lastApplied);
    const before = this.lastPorts;
    this.lastPorts = ports;
    await this.syncHealthChecks(ports);
    await this.clearStaleConntrack(before, ports);
    this.log.debug({ full, applied, services: this.services.size }, 'synced iptables rules');
    return { applied };
  }

  protected syncFailed(err: Error): void {
    this.lastApplied = undefined;
    const line = err instanceof RestoreError ? { line: err.line, lineText: err.lineText } : {};
    this.log.error({ err: err.message, ...line }, 'failed to sync iptables rules, will retry');
  }

  /** Writes the rules; false when nothing changed and restore was skipped. */
  private async syncRules(ports: ServicePortInfo[], full: boolean): Promise<boolean> {
    const last = this.lastApplied;
    // iptables-save runs while the rules are generated: the two only meet for deletions and jump fixes.
    const saving = full ? this.options.runner.save() : undefined;
    saving?.catch(() => undefined);
    // A full sync rewrites every chain; a partial one only the services whose chains changed.
    const rules = generateRules(ports, this.options, full ? undefined : last?.fingerprints);
    if (saving) {
      const saved = parseIptablesSave(await saving);
      deleteStaleChains(rules, saved.get('nat')?.chains ?? []);
      const fixes = jumpRuleFixes(saved, proxyJumpRules);
      rules.filter.prelude.push(...(fixes.get('filter') ?? []));
      rules.nat.prelude.push(...(fixes.get('nat') ?? []));
    } else {
      deleteStaleChains(rules, last?.serviceChains ?? []);
    }
    if (!full && rules.filter.isNoOp(last?.filter) && rules.nat.isNoOp(last?.nat)) return false;
    // One iptables-restore run, several transactions: service chain batches, then the top level.
    const natTransactions = rules.nat.renderBatches(this.options.maxChainsPerRestore ?? defaultMaxChainsPerRestore);
    const topLevel = natTransactions.pop() as string;
    await this.options.runner.restore(natTransactions.join('') + rules.filter.render() + topLevel);
    this.lastApplied = rules;
    return true;
  }

  /** Health check node ports open for the services that have one; each answers with this node's ready endpoint count. */
  private async syncHealthChecks(ports: ServicePortInfo[]): Promise<void> {
    const server = this.options.healthServer;
    if (!server) return;
    const services = new Map<string, number>();
    for (const sp of ports) if (sp.healthCheckNodePort) services.set(sp.serviceKey, sp.healthCheckNodePort);
    await server.syncServices(services);
    const counts = new Map<string, number>();
    for (const service of services.keys()) counts.set(service, this.slices.localReadyEndpointCount(service));
    server.syncEndpoints(counts);
  }

  /** Deletes UDP conntrack entries to endpoints no longer used; failures are logged, not retried. */
  private async clearStaleConntrack(before: ServicePortInfo[], after: ServicePortInfo[]): Promise<void> {
    const conntrack = this.options.conntrack;
    if (!conntrack) return;
    for (const args of staleConntrackDeletions(before, after)) {
      try {
        await conntrack.run(args);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'failed to clear stale UDP conntrack entries');
      }
    }
  }
}
