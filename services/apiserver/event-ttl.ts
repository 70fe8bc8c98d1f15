// Events expire after a TTL (kube-apiserver's --event-ttl, default 1 h), so they do not pile up.
import type { Event } from '../../lib/gen/kite/core/v1/types';
import { logger } from '../../lib/log';
import { parseTime } from '../../lib/util/time';
import type { Registry } from './registry/registry';

export function startEventSweeper(events: Registry<Event>, ttlSeconds: number, periodMs = 60_000): { stop(): void } {
  const log = logger('apiserver', { loop: 'event-ttl' });
  const sweep = async () => {
    const cutoff = Date.now() - ttlSeconds * 1000;
    for (const obj of events.cachedList()) {
      const m = obj.metadata!;
      const last = Math.max(parseTime(obj.lastTimestamp) || 0, parseTime(obj.eventTime) || 0, parseTime(m.creationTimestamp) || 0);
      if (last >= cutoff) continue;
      await events.delete(m.namespace, m.name).catch((err: Error) => log.debug({ err: err.message, event: m.name }, 'event expiry failed'));
    }
  };
  const timer = setInterval(() => void sweep(), periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
