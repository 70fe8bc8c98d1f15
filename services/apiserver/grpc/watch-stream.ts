// Serves one Watch<Kinds> call: events from the watch cache are written as pre-encoded bytes,
// honouring gRPC backpressure. A watcher that falls too far behind is closed with
// RESOURCE_EXHAUSTED (it resumes from its last resourceVersion), so server memory stays bounded.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { TooManyRequestsError, toServiceError } from '../../../lib/api/errors';
import type { KubeObject } from '../../../lib/api/kinds';
import type { Registry } from '../registry/registry';
import type { WatchSink } from '../watch/watch-cache';

export interface WatchStreamOptions {
  /** Events buffered for a watcher that is not reading before it is closed. */
  maxPending: number;
  /** How often BOOKMARK events are sent to watchers that asked for them. */
  bookmarkIntervalMs: number;
}

interface WatchRequestLike {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export function serveWatch<T extends KubeObject>(
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

  const close = (err?: Error) => {
    if (closed) return;
    closed = true;
    stop();
    timers.forEach((t) => clearTimeout(t));
    pending.length = 0;
    onClose();
    if (err) call.emit('error', toServiceError(err));
    else if (!call.cancelled) call.end();
  };

  const write = (b: Buffer) => {
    if (!call.write(b)) blocked = true;
  };

  const sink: WatchSink = {
    send(bytes) {
      if (closed) return false;
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
    },
    fail: (err) => close(err),
  };

  call.on('drain', () => {
    blocked = false;
    while (pending.length > 0 && !blocked) write(pending.shift()!);
    backlog = Math.min(backlog, pending.length);
  });
  call.on('cancelled', () => close());
  call.on('close', () => close());

  try {
    stop = registry.watch(req, sink);
  } catch (err) {
    close(err as Error);
    return;
  } finally {
    replaying = false;
    backlog = pending.length;
  }
  if (closed) return;

  if (req.allowWatchBookmarks) {
    timers.push(
      setInterval(() => {
        const kind = registry.kind;
        const bookmark = kind.watchEvent.encode({
          type: 'BOOKMARK',
          object: kind.type.fromPartial({
            kind: kind.kind,
            apiVersion: kind.apiVersion,
            // Never behind the resourceVersion the client asked to start from.
            metadata: { resourceVersion: String(Math.max(Number(req.resourceVersion) || 0, registry.cache.resourceVersion)) },
          }),
        });
        sink.send(Buffer.from(bookmark.finish()));
      }, opts.bookmarkIntervalMs),
    );
  }
  if (req.timeoutSeconds && req.timeoutSeconds > 0) {
    timers.push(setTimeout(() => close(), req.timeoutSeconds * 1000));
  }
}
