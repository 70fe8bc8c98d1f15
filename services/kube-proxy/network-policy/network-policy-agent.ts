// The network policy controller of a node (kindnet's network-policy controller, in kite-proxy
// beside kube-proxy and the route agent): holds NetworkPolicies, Pods and Namespaces from
// informer callbacks and keeps the node's KITE-NWPLCY-* chains equal to what they allow.
// Every sync rewrites all of its chains in one iptables-restore transaction (a node holds few
// pods), skips the write when nothing changed, and on full syncs puts the jump from FORWARD back on top
// and deletes chains it no longer uses (also those of a previous run).
import type { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { NetworkPolicy } from '../../../lib/gen/kite/networking/v1/types';
import { logger } from '../../../lib/log';
import type { IptablesRunner } from '../iptables/runner';
import { parseIptablesSave, type SavedTables } from '../iptables/save-parser';
import type { JumpWatcher } from '../jump-monitor';
import { SyncLoop, type SyncLoopOptions } from '../sync-loop';
import { isolatedPods } from './allowed-traffic';
import { chainPrefix, forwardJumpFix, networkPolicyRules } from './policy-rules';

export interface NetworkPolicyAgentOptions extends SyncLoopOptions {
  /** This node: only its pods get chains. */
  nodeName: string;
  iptables: IptablesRunner;
}

export interface NetworkPolicySyncResult {
  full: boolean;
  /** Pods of this node isolated for ingress or egress. */
  isolatedPods: number;
  /** Whether iptables-restore ran (partial syncs skip it when nothing changed). */
  applied: boolean;
  durationMs: number;
}

type Named = { metadata?: { namespace?: string; name?: string } };

const keyOf = (o: Named) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class NetworkPolicyAgent extends SyncLoop implements JumpWatcher {
  readonly jumpChains = [{ table: 'filter', chain: 'FORWARD' }];
  private readonly policies = new Map<string, NetworkPolicy>();
  private readonly pods = new Map<string, Pod>();
  private readonly namespaces = new Map<string, Namespace>();
  private readonly log = logger('network-policy');
  /** The chains written last and their rules (without jump fixes and deletions); undefined after a failure (next sync is full). */
  private written: { content: string; chains: Set<string> } | undefined;

  constructor(private readonly options: NetworkPolicyAgentOptions) {
    super(options);
  }

  onPolicyUpsert(p: NetworkPolicy): void {
    this.upsert(this.policies, p);
  }
  onPolicyDelete(p: Named): void {
    this.remove(this.policies, p);
  }
  onPodUpsert(p: Pod): void {
    this.upsert(this.pods, p);
  }
  onPodDelete(p: Named): void {
    this.remove(this.pods, p);
  }
  onNamespaceUpsert(n: Namespace): void {
    this.upsert(this.namespaces, n);
  }
  onNamespaceDelete(n: Named): void {
    this.remove(this.namespaces, n);
  }

  /** Whether a full sync would move, add or delete the jump from FORWARD. */
  jumpsNeedFix(saved: SavedTables): boolean {
    return forwardJumpFix(saved).length > 0;
  }

  /** Asks for a full sync soon (the jump monitor saw the jump out of place). */
  requestFullSync(): void {
    this.runner.requestFull();
  }

  private upsert<T extends Named>(map: Map<string, T>, o: T): void {
    map.set(keyOf(o), o);
    this.runner.request();
  }

  private remove(map: Map<string, Named>, o: Named): void {
    if (map.delete(keyOf(o))) this.runner.request();
  }

  protected async syncOnce(full: boolean): Promise<Omit<NetworkPolicySyncResult, 'full' | 'durationMs'>> {
    const pods = isolatedPods({ nodeName: this.options.nodeName, policies: this.policies.values(), pods: this.pods.values(), namespaces: this.namespaces.values() });
    const { filter, chains } = networkPolicyRules(pods);
    const content = filter.render();
    const previous = this.written;
    if (!full && previous && content === previous.content) return { isolatedPods: pods.length, applied: false };
    if (full || !previous) {
      const saved = parseIptablesSave(await this.options.iptables.save());
      filter.prelude.push(...forwardJumpFix(saved));
      for (const chain of saved.get('filter')?.chains ?? []) if (chain.startsWith(chainPrefix) && !chains.has(chain)) filter.deleteChain(chain);
    } else {
      for (const chain of previous.chains) if (!chains.has(chain)) filter.deleteChain(chain);
    }
    this.written = undefined;
    await this.options.iptables.restore(filter.render());
    this.written = { content, chains };
    return { isolatedPods: pods.length, applied: true };
  }

  protected syncFailed(err: Error): void {
    this.written = undefined;
    this.log.error({ err: err.message }, 'failed to sync network policy rules, will retry');
  }
}
