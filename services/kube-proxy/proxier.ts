// kube-proxy's iptables proxier: holds the latest Services and Endpoints (fed by informer
// callbacks), and keeps the node's iptables rules equal to what they imply. Changes are
// coalesced by a SyncRunner; a full sync (read iptables-save, fix jump rules, delete stale
// chains) runs at start, periodically and after a failure; other syncs trust what the last one
// wrote, rewrite only the services whose chains changed, and skip iptables-restore when
// nothing did.
import type { Endpoints, Service } from '../../lib/gen/kite/core/v1/types';
import { logger } from '../../lib/log';
import { jumpRuleFixes } from './iptables/jump-rules';
import { RestoreError, type IptablesRunner } from './iptables/runner';
import { parseIptablesSave } from './iptables/save-parser';
import { deleteStaleChains, generateRules, proxyJumpRules, type GeneratedRules, type RuleOptions } from './rules';
import { buildServicePorts, objectKey } from './service-ports';
import { SyncLoop, type SyncLoopOptions } from './sync-loop';

export interface ProxierOptions extends RuleOptions, SyncLoopOptions {
  runner: IptablesRunner;
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

export class Proxier extends SyncLoop {
  private readonly services = new Map<string, Service>();
  private readonly endpoints = new Map<string, Endpoints>();
  private readonly log = logger('kube-proxy');
  /** What the last successful sync wrote; unknown after a failure, which forces a full sync. */
  private lastApplied: GeneratedRules | undefined;

  constructor(private readonly options: ProxierOptions) {
    super(options);
  }

  onServiceUpsert(service: Service): void {
    this.services.set(objectKey(service), service);
    this.runner.request();
  }

  onServiceDelete(service: Keyed): void {
    if (this.services.delete(objectKey(service))) this.runner.request();
  }

  onEndpointsUpsert(endpoints: Endpoints): void {
    this.endpoints.set(objectKey(endpoints), endpoints);
    this.runner.request();
  }

  onEndpointsDelete(endpoints: Keyed): void {
    if (this.endpoints.delete(objectKey(endpoints))) this.runner.request();
  }

  /** Asks for a full sync soon (e.g. when rules may have been changed behind our back). */
  requestFullSync(): void {
    this.runner.requestFull();
  }

  protected async syncOnce(full: boolean): Promise<Omit<SyncResult, 'full' | 'durationMs'>> {
    const applied = await this.syncRules(full || !this.lastApplied);
    this.log.debug({ full, applied, services: this.services.size }, 'synced iptables rules');
    return { applied };
  }

  protected syncFailed(err: Error): void {
    this.lastApplied = undefined;
    const line = err instanceof RestoreError ? { line: err.line, lineText: err.lineText } : {};
    this.log.error({ err: err.message, ...line }, 'failed to sync iptables rules, will retry');
  }

  /** Writes the rules; false when nothing changed and restore was skipped. */
  private async syncRules(full: boolean): Promise<boolean> {
    const last = this.lastApplied;
    // iptables-save runs while the rules are generated: the two only meet for deletions and jump fixes.
    const saving = full ? this.options.runner.save() : undefined;
    saving?.catch(() => undefined);
    const ports = buildServicePorts(this.services.values(), this.endpoints);
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
}
