// Keeps every ResourceQuota's status (hard and used) in step with its namespace, the part of
// Kubernetes' quota controller a reader of `kitectl describe quota` sees. Runs periodically and
// shortly after each admitted create; admission itself never trusts status.used.
import type { ResourceQuota } from '../../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../../lib/log';
import type { Registry } from '../../registry/registry';
import { withoutRequestDeadline } from '../../storage/request-deadline';
import type { NamespaceUsage } from './namespace-usage';
import { quotaMatches } from './quota-scopes';
import { formatAmount } from './quota-usage';

const same = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

export class QuotaStatusSync {
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly log = logger('apiserver', { loop: 'quota-status' });

  constructor(
    private readonly quotas: Registry<ResourceQuota>,
    private readonly usage: NamespaceUsage,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sync(), this.intervalMs);
    this.timer.unref();
  }

  /** Schedules a sync in a moment (many admissions in a burst cause one). */
  poke(): void {
    if (this.soon) return;
    // The sync is the apiserver's own work, not bounded by the deadline of the request that poked.
    this.soon = withoutRequestDeadline(() =>
      setTimeout(() => {
        this.soon = undefined;
        void this.sync();
      }, 100),
    );
    this.soon.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  /** Recomputes and writes every quota status that changed. */
  sync(): Promise<void> {
    this.running ??= this.syncAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async syncAll(): Promise<void> {
    for (const q of this.quotas.cachedList()) {
      const hard = q.spec?.hard ?? {};
      const names = Object.keys(hard);
      const used = this.usage.used(q.metadata!.namespace, names, (kind, obj) => quotaMatches(q, kind, obj));
      const usedText = Object.fromEntries(names.map((r) => [r, formatAmount(r, used.get(r) ?? 0n)]));
      if (same(q.status?.hard ?? {}, hard) && same(q.status?.used ?? {}, usedText)) continue;
      try {
        await this.quotas.updateStatus({ ...q, metadata: { ...q.metadata!, resourceVersion: '' }, status: { hard: { ...hard }, used: usedText } });
      } catch (err) {
        this.log.debug({ quota: `${q.metadata!.namespace}/${q.metadata!.name}`, err: (err as Error).message }, 'quota status update failed; retrying on the next sync');
      }
    }
  }
}
