// Watches the jumps from built-in chains between full syncs, as kube-proxy's iptables canary
// (KUBE-PROXY-CANARY, checked every minute, a flush triggers a full resync) does for flushes:
// every periodMs it reads only the few built-in chains holding Kite's jumps (iptables -S, not
// iptables-save) and, when a component's jump is missing, duplicated or below a rule of others
// (Docker inserts its own at the top of FORWARD when it starts or creates a network), asks that
// component for a full sync right away; the sync runner still keeps its min sync period.
import { logger } from '../../lib/log';
import type { IptablesRunner } from './iptables/runner';
import type { SavedTables } from './iptables/save-parser';

export interface MonitoredChain {
  table: string;
  chain: string;
}

export interface JumpWatcher {
  /** The built-in chains the watcher's checked jumps live in. */
  readonly jumpChains: MonitoredChain[];
  /** True when a full sync would change a jump (given the rules of jumpChains only). */
  jumpsNeedFix(saved: SavedTables): boolean;
  requestFullSync(): void;
}

export interface JumpMonitorOptions {
  runner: IptablesRunner;
  /** Time between two checks (--iptables-jump-check-period, default 1 s); 0 for none. */
  periodMs: number;
  watchers: JumpWatcher[];
}

export class JumpMonitor {
  private readonly log = logger('jump-monitor');
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private checking: Promise<void> | undefined;
  /** Number of checks that asked for a full sync (for tests and status). */
  fullSyncRequests = 0;

  constructor(private readonly options: JumpMonitorOptions) {}

  start(): void {
    if (this.options.periodMs <= 0) return;
    this.stopped = false;
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  /** One check: reads the watched chains once and asks every watcher whose jumps are out of place for a full sync. */
  async check(): Promise<void> {
    const chains = new Map<string, MonitoredChain>();
    for (const w of this.options.watchers) for (const c of w.jumpChains) chains.set(`${c.table} ${c.chain}`, c);
    const saved: SavedTables = new Map();
    for (const { table, chain } of chains.values()) {
      const rules = await this.options.runner.listRules(table, chain);
      const t = saved.get(table) ?? { chains: new Set<string>(), rules: new Map<string, string[]>() };
      t.chains.add(chain);
      t.rules.set(chain, rules);
      saved.set(table, t);
    }
    for (const w of this.options.watchers) {
      if (!w.jumpsNeedFix(saved)) continue;
      this.fullSyncRequests++;
      this.log.info({ watcher: w.constructor.name }, 'jump rules missing or out of place; requesting a full sync');
      w.requestFullSync();
    }
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.checking = this.check()
        .catch((err: Error) => this.log.warn({ err: err.message }, 'failed to check jump rules'))
        .finally(() => {
          this.checking = undefined;
          this.arm();
        });
    }, this.options.periodMs);
    this.timer.unref();
  }
}
