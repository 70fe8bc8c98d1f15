// The kubelet's events (Pulling, Created, Started, Killing, BackOff, Unhealthy...). The shape is
// the shared EventRecorder's (recorder.event(obj, type, reason, message)); this adapter writes
// them straight through the API until that recorder exists, in the background and best-effort.
import { hostname } from 'node:os';
import type { Clientset } from '../../lib/client/clientset';
import { Event, type Node, type Pod } from '../../lib/gen/kite/core/v1/types';
import { logger } from '../../lib/log';
import { rfc3339, rfc3339Micro } from '../../lib/util/time';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: Pod | Node, type: EventType, reason: string, message: string): void;
}

/** Records nothing (tests that do not look at events). */
export const NO_EVENTS: EventRecorder = { event: () => undefined };

export function apiEventRecorder(client: Clientset, component: string, host = hostname()): EventRecorder {
  const log = logger(component, { module: 'events' });
  let seq = 0;
  return {
    event(obj, type, reason, message) {
      const m = obj.metadata!;
      const now = new Date();
      const kind = 'spec' in obj && obj.spec && 'containers' in obj.spec ? 'Pod' : 'Node';
      const namespace = kind === 'Pod' ? m.namespace : 'default';
      const ev = Event.fromPartial({
        metadata: { name: `${m.name}.${now.getTime().toString(16)}${(seq++ % 4096).toString(16).padStart(3, '0')}`, namespace },
        involvedObject: { kind, namespace: kind === 'Pod' ? m.namespace : '', name: m.name, uid: m.uid, apiVersion: 'v1', resourceVersion: m.resourceVersion },
        reason,
        message,
        type,
        source: { component, host },
        reportingComponent: component,
        reportingInstance: host,
        firstTimestamp: rfc3339(now),
        lastTimestamp: rfc3339(now),
        eventTime: rfc3339Micro(now),
        count: 1,
      });
      client.events.create(ev).catch((err: Error) => log.debug({ err: err.message, object: m.name, reason }, 'event not recorded'));
    },
  };
}
