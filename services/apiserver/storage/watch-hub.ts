// In-process watch fan-out for a store that is the only writer of its data (the SQLite backend):
// every commit is published here right after it is made, so no polling is needed. A new watcher
// first replays history from the log, page by page so a long replay does not block the event
// loop, then receives the live events that were queued meanwhile. Registration and the replay
// snapshot happen in one synchronous step, so no event falls between them.
import { CompactedError, StorageError, type StoreEvent, type WatchCallbacks, type WatchHandle } from './interface';
import { prefixEnd } from './key-range';

/** Reads the log: events under [start, end) (end "" = unbounded) with after < revision <= until, in order. */
export type ReplaySource = (start: string, end: string, after: number, until: number, limit: number) => StoreEvent[];

export interface WatchHubSource {
  replay: ReplaySource;
  currentRevision(): number;
  compactedRevision(): number;
}

const REPLAY_PAGE = 500;

export class WatchHub {
  private readonly watchers = new Set<HubWatcher>();

  constructor(private readonly source: WatchHubSource) {}

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): WatchHandle {
    const compacted = this.source.compactedRevision();
    const w = new HubWatcher(this, this.source, prefix, afterRevision, this.source.currentRevision(), cb);
    if (afterRevision < compacted) {
      w.fail(new CompactedError(afterRevision, compacted));
    } else {
      this.watchers.add(w);
      w.schedule();
    }
    return { close: () => w.close() };
  }

  /** Called after each commit, in revision order. */
  publish(event: StoreEvent): void {
    for (const w of this.watchers) w.offer(event);
  }

  /** Ends every watch with err (e.g. the store is closing). */
  failAll(err: Error): void {
    for (const w of [...this.watchers]) w.fail(err);
  }

  remove(w: HubWatcher): void {
    this.watchers.delete(w);
  }
}

class HubWatcher {
  private readonly end: string;
  private readonly live: StoreEvent[] = [];
  private scheduled = false;
  private done = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly source: WatchHubSource,
    private readonly prefix: string,
    /** Last revision delivered (or skipped) by the replay. */
    private cursor: number,
    /** Replay covers revisions up to here; later ones arrive through offer(). */
    private readonly replayUntil: number,
    private readonly cb: WatchCallbacks,
  ) {
    this.end = prefixEnd(prefix);
  }

  offer(event: StoreEvent): void {
    // Replayed already, or at/before a start revision that was ahead of the store.
    if (this.done || event.kv.modRevision <= Math.max(this.replayUntil, this.cursor)) return;
    const key = event.kv.key;
    if (!key.startsWith(this.prefix)) return;
    this.live.push(event);
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled || this.done) return;
    this.scheduled = true;
    setImmediate(() => this.pump());
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.hub.remove(this);
    setImmediate(() => this.cb.onError(err));
  }

  close(): void {
    this.done = true;
    this.hub.remove(this);
  }

  private pump(): void {
    this.scheduled = false;
    if (this.done) return;
    if (this.cursor < this.replayUntil) {
      this.replayPage();
      return;
    }
    if (this.live.length > 0) this.cb.onEvents(this.live.splice(0));
  }

  private replayPage(): void {
    const compacted = this.source.compactedRevision();
    if (this.cursor < compacted) {
      // Compaction overtook the replay: the rows it still needed are gone.
      this.fail(new CompactedError(this.cursor, compacted));
      return;
    }
    let events: StoreEvent[];
    try {
      events = this.source.replay(this.prefix, this.end, this.cursor, this.replayUntil, REPLAY_PAGE);
    } catch (err) {
      this.fail(err instanceof Error ? err : new StorageError(String(err)));
      return;
    }
    this.cursor = events.length < REPLAY_PAGE ? this.replayUntil : events[events.length - 1].kv.modRevision;
    this.schedule();
    if (events.length > 0) this.cb.onEvents(events);
  }
}
