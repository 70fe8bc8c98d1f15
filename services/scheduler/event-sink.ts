// The scheduler's events (Scheduled, FailedScheduling), written in the background so a slow
// apiserver never holds up a scheduling cycle.
import { hostname } from 'node:os';
import type { Clientset } from '../../lib/client/clientset';
import { Event, type Pod } from '../../lib/gen/kite/core/v1/types';
import { logger } from '../../lib/log';
import { rfc3339, rfc3339Micro } from '../../lib/util/time';
import type { EventSink } from './api-backend';

export function startEventSink(client: Clientset, component: string, signal: AbortSignal): EventSink {
  const log = logger('scheduler', { loop: 'events' });
  const host = hostname();
  return (pod: Pod, type, reason, message) => {
    if (signal.aborted) return;
    const m = pod.metadata!;
    const now = new Date();
    const ev = Event.fromPartial({
      metadata: { name: `${m.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`, namespace: m.namespace },
      involvedObject: { kind: 'Pod', namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: 'v1', resourceVersion: m.resourceVersion },
      reason,
      message,
      type,
      source: { component, host },
      reportingComponent: component,
      reportingInstance: `${component}-${host}`,
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      eventTime: rfc3339Micro(now),
      action: reason === 'Scheduled' ? 'Binding' : 'Scheduling',
      count: 1,
    });
    client.events.create(ev).catch((err: Error) => log.debug({ err: err.message, pod: m.name }, 'event not recorded'));
  };
}
