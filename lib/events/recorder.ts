// The event recorder every component uses (client-go's record.EventRecorder): `event()` returns
// at once and never throws; events are correlated (repeats become count updates, floods are
// aggregated or dropped) and written to the apiserver in the background, one at a time, so a
// slow or absent apiserver never holds up a control loop.
import { isAlreadyExists, isNotFound } from '../api/errors';
import type { KubeObject } from '../api/kinds';
import { Event } from '../gen/kite/core/v1/types';
import { logger as newLogger, type Logger } from '../log';
import { rfc3339 } from '../util/time';
import { EventCorrelator, type CorrelatorOptions } from './correlator';

export type EventType = 'Normal' | 'Warning';

/** What controllers and the scheduler depend on: record an event about an object. */
export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/** The part of the typed Event client the recorder uses; it reads no reply, which is therefore not decoded. */
export interface EventWriter {
  createWithoutReply(ev: Event): Promise<void>;
  patchWithoutReply(name: string, patch: unknown, opts: { namespace?: string }): Promise<void>;
}

export interface RecorderOptions extends CorrelatorOptions {
  /** Events waiting to be written beyond this are dropped; default 1000. */
  maxQueued?: number;
  /** Wall clock; injectable for tests. */
  now?: () => Date;
  logger?: Logger;
}

interface Pending {
  event: Event;
  isUpdate: boolean;
}

export class ApiEventRecorder implements EventRecorder {
  private readonly correlator: EventCorrelator;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly maxQueued: number;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private seq = 0;
  private closed = false;
  /** Events the full queue has dropped since it last had room: a burst logs when it starts and, with this count, when it ends. */
  private dropped = 0;

  constructor(
    private readonly writer: EventWriter,
    /** source.component, e.g. "replicaset-controller". */
    readonly component: string,
    /** source.host. */
    readonly host = '',
    opts: RecorderOptions = {},
  ) {
    this.correlator = new EventCorrelator(opts);
    this.log = (opts.logger ?? newLogger('events')).child({ source: component });
    this.now = opts.now ?? (() => new Date());
    this.maxQueued = opts.maxQueued ?? 1000;
  }

  /** A recorder for another component sharing this one's writer (e.g. one per controller). */
  withComponent(component: string, opts: RecorderOptions = {}): ApiEventRecorder {
    return new ApiEventRecorder(this.writer, component, this.host, { logger: this.log, now: this.now, ...opts });
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    try {
      if (this.closed || !obj.metadata?.name) return;
      // Dropped before the correlator sees it, as client-go's broadcaster drops an event its full
      // queue cannot take: a dropped event counts in no repeat and takes no rate-limit token (and
      // costs nothing while the apiserver falls behind).
      if (this.queue.length >= this.maxQueued) {
        if (this.dropped++ === 0) this.log.warn({ object: obj.metadata.name, reason, maxQueued: this.maxQueued }, 'event queue full; dropping events until it has room');
        return;
      }
      const now = this.now();
      const result = this.correlator.correlate(this.makeEvent(obj, type, reason, message, now), now.getTime());
      if (result.skip) {
        this.log.debug({ object: obj.metadata.name, reason }, 'event dropped by the rate limit');
        return;
      }
      this.queue.push({ event: result.event, isUpdate: result.isUpdate });
      this.draining ??= this.drain();
    } catch (err) {
      this.log.error({ err, reason }, 'could not record event');
    }
  }

  /** Resolves once every event recorded so far has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops accepting events; pending ones are still written (await flush()). */
  close(): void {
    this.closed = true;
  }

  private makeEvent(obj: KubeObject, type: EventType, reason: string, message: string, now: Date): Event {
    const m = obj.metadata!;
    const t = rfc3339(now);
    // client-go names events <object>.<unix nanoseconds in hex>; the counter keeps names unique.
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return Event.fromPartial({
      metadata: { name: `${m.name}.${nanos.toString(16)}`, namespace: m.namespace || 'default' },
      involvedObject: {
        kind: obj.kind,
        namespace: m.namespace,
        name: m.name,
        uid: m.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: m.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component, host: this.host },
      firstTimestamp: t,
      lastTimestamp: t,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host,
    });
  }

  private async drain(): Promise<void> {
    try {
      for (let p = this.queue.shift(); p; p = this.queue.shift()) {
        this.endDropping();
        await this.write(p);
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** The end of a burst of drops (the queue has room again): one warning with how many. */
  private endDropping(): void {
    if (this.dropped === 0) return;
    this.log.warn({ dropped: this.dropped }, `event queue has room again; ${this.dropped} dropped while it was full`);
    this.dropped = 0;
  }

  private async write(p: Pending): Promise<void> {
    const ev = p.event;
    const namespace = ev.metadata!.namespace;
    try {
      if (p.isUpdate) {
        try {
          await this.writer.patchWithoutReply(ev.metadata!.name, { count: ev.count, lastTimestamp: ev.lastTimestamp, message: ev.message }, { namespace });
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // Expired by the event TTL (or never written): write it afresh.
        }
      }
      await this.writer.createWithoutReply(ev);
    } catch (err) {
      if (isAlreadyExists(err)) return;
      if (p.isUpdate) this.correlator.forget(ev);
      this.log.debug({ err: (err as Error).message, event: ev.metadata!.name, reason: ev.reason }, 'event not written');
    }
  }
}
