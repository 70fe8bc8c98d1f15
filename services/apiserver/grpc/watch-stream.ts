// Serves one Watch<Kinds> call: events from the watch cache are written as pre-encoded bytes,
// honouring gRPC backpressure. A watcher that falls too far behind is closed with
// RESOURCE_EXHAUSTED (it resumes from its last resourceVersion), so server memory stays bounded.
// Whatever throws while serving it (a listener, the bookmark timer, a write) closes this watch only.
import type { WatchOptions } from '../../../lib/client/types';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { TooManyRequestsError } from '../../../lib/api/errors';
import type { KubeObject } from '../../../lib/api/kinds';
import type { Registry } from '../registry/registry';
import type { WatchSink } from '../watch/watch-cache';
import { endStream, failStream, guard } from '../../../lib/grpc/panic-recovery';

export interface WatchStreamOptions {
  /** Events buffered for a watcher that is not reading before it is closed. */
  maxPending: number;
  /** How often BOOKMARK events are sent to watchers that asked for them. */
  bookmarkIntervalMs: number;
}

/** What a Watch<Kinds> request carries: the watch options clients send. */
type WatchRequestLike = WatchOptions;

/** Never throws: anything that goes wrong ends this call (and calls onClose). */
export function serveWatch<T extends KubeObject>(
  method: string,
  registry: Registry<T>,
  call: ServerWritableStream<WatchRequestLike, Buffer>,
  opts: WatchStreamOptions,
  onClose: () => void,
): void {
  const req = call.request;
  const pending: Buffer[] = [];
  let blocked = false;
  // The replay a watch starts with (initial ADDEDs, or the window after its resourceVersion) is
  // queued at once and may exceed maxPending; only live events queued beyond it mean lagging.
  let replaying = true;
  let backlog = 0;
  let closed = false;
  let stop: () => void = () => {};
  const timers: NodeJS.Timeout[] = [];

  const close = (err?: unknown) => {
    if (closed) return;
    closed = true;
    timers.forEach((t) => clearTimeout(t));
    pending.length = 0;
    let failure = err;
    try {
      stop();
    } catch (e) {
      failure ??= e;
    }
    try {
      onClose();
    } catch (e) {
      failure ??= e;
    }
    if (failure !== undefined) failStream(method, call, failure);
    else endStream(method, call);
  };
  /** Runs `fn`; what it throws closes the watch with that error. */
  const guarded = <A extends unknown[]>(fn: (...args: A) => void) => guard(fn, (err) => close(err));

  const write = (b: Buffer) => {
    if (!call.write(b)) blocked = true;
  };

  const sink: WatchSink = {
    send(bytes) {
      if (closed) return false;
      try {
        if (blocked) {
          pending.push(bytes);
          if (!replaying && pending.length > opts.maxPending + backlog) {
            close(
              new TooManyRequestsError(
                `watch closed: the client fell more than ${opts.maxPending} events behind; watch again from the last resourceVersion it received`,
                1,
              ),
            );
            return false;
          }
          return true;
        }
        write(bytes);
        return true;
      } catch (err) {
        close(err);
        return false;
      }
    },
    fail: (err) => close(err),
  };

  call.on(
    'drain',
    guarded(() => {
      blocked = false;
      while (pending.length > 0 && !blocked) write(pending.shift()!);
      backlog = Math.min(backlog, pending.length);
    }),
  );
  call.on('cancelled', guarded(() => close()));
  call.on('close', guarded(() => close()));

  try {
    stop = registry.watch(req, sink);
  } catch (err) {
    close(err);
    return;
  } finally {
    replaying = false;
    backlog = pending.length;
  }
  if (closed) return;

  if (req.allowWatchBookmarks) {
    timers.push(
      setInterval(
        guarded(() => {
          const kind = registry.kind;
          const bookmark = kind.watchEvent.encode({
            type: 'BOOKMARK',
            object: kind.type.fromPartial({
              kind: kind.kind,
              apiVersion: kind.apiVersion,
              // Never behind the resourceVersion the client asked to start from.
              metadata: { resourceVersion: String(Math.max(Number(req.resourceVersion) || 0, registry.cachedRevision)) },
            }),
          });
          sink.send(Buffer.from(bookmark.finish()));
        }),
        opts.bookmarkIntervalMs,
      ),
    );
  }
  if (req.timeoutSeconds && req.timeoutSeconds > 0) {
    timers.push(setTimeout(guarded(() => close()), req.timeoutSeconds * 1000));
  }
}
