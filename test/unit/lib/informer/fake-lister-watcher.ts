// A scriptable ListerWatcher for informer tests: list replies and watch streams are fed by the
// test, and every call is recorded with its options.
import type { KubeList, KubeObject, WatchEvent } from '../../../../lib/api/kinds';
import type { InformerListOptions, InformerWatchOptions, ListerWatcher } from '../../../../lib/informer';

export interface TestObject extends KubeObject {
  spec: { nodeName?: string; value?: number };
}

export function obj(key: string, resourceVersion: string, spec: TestObject['spec'] = {}, labels: Record<string, string> = {}): TestObject {
  const [namespace, name] = key.includes('/') ? key.split('/') : ['', key];
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace,
      resourceVersion,
      labels,
      uid: `uid-${key}`,
      generateName: '',
      generation: 1,
      creationTimestamp: '',
      deletionTimestamp: '',
      annotations: {},
      ownerReferences: [],
      finalizers: [],
      managedFields: [],
    },
    spec,
  };
}

export function list<T>(items: T[], resourceVersion: string, cont = ''): KubeList<T> {
  return { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion, continue: cont }, items };
}

/** One open watch: the test pushes events into it, ends it or breaks it. */
export class FakeWatch<T extends KubeObject> implements AsyncIterable<WatchEvent<T>> {
  private buffered: WatchEvent<T>[] = [];
  private endState: { error?: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly opts: InformerWatchOptions,
    readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.end(), { once: true });
  }

  push(ev: WatchEvent<T>): this {
    this.buffered.push(ev);
    this.wake?.();
    return this;
  }
  added(o: T): this {
    return this.push({ type: 'ADDED', object: o });
  }
  modified(o: T): this {
    return this.push({ type: 'MODIFIED', object: o });
  }
  deleted(o: T): this {
    return this.push({ type: 'DELETED', object: o });
  }
  bookmark(resourceVersion: string): this {
    return this.push({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion } } as unknown as T });
  }
  /** The server closes the stream normally (e.g. its timeout passed). */
  end(): void {
    this.endState ??= {};
    this.wake?.();
  }
  /** The stream breaks with `error`. */
  fail(error: unknown): void {
    this.endState ??= { error };
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    for (;;) {
      const ev = this.buffered.shift();
      if (ev) {
        yield ev;
        continue;
      }
      if (this.endState) {
        if (this.endState.error !== undefined) throw this.endState.error;
        return;
      }
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

type Reply<R> = { value: R } | { error: unknown };

/** Hands out replies queued by the test, making callers wait for one if none is queued. */
class Replies<R> {
  private queued: Reply<R>[] = [];
  private waiting: ((r: Reply<R>) => void)[] = [];
  push(r: Reply<R>): void {
    const w = this.waiting.shift();
    if (w) w(r);
    else this.queued.push(r);
  }
  async next(): Promise<R> {
    const r = this.queued.shift() ?? (await new Promise<Reply<R>>((res) => this.waiting.push(res)));
    if ('error' in r) throw r.error;
    return r.value;
  }
}

export class FakeListerWatcher<T extends KubeObject> implements ListerWatcher<T> {
  readonly listCalls: InformerListOptions[] = [];
  readonly watches: FakeWatch<T>[] = [];
  private readonly lists = new Replies<KubeList<T>>();
  private readonly watchErrors: unknown[] = [];
  private watchOpened: ((w: FakeWatch<T>) => void)[] = [];

  /** Queues the reply to the next list call. */
  replyList(items: T[], resourceVersion: string, cont = ''): this {
    this.lists.push({ value: list(items, resourceVersion, cont) });
    return this;
  }
  failList(error: unknown): this {
    this.lists.push({ error });
    return this;
  }
  /** The next watch fails as it starts (before any event). */
  failNextWatch(error: unknown): this {
    this.watchErrors.push(error);
    return this;
  }

  /** Resolves with the n-th watch (0-based) once it has been opened. */
  async watchAt(n: number): Promise<FakeWatch<T>> {
    while (!this.watches[n]) await new Promise<FakeWatch<T>>((r) => this.watchOpened.push(r));
    return this.watches[n];
  }

  list(opts: InformerListOptions): Promise<KubeList<T>> {
    this.listCalls.push(opts);
    return this.lists.next();
  }

  watch(opts: InformerWatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent<T>> {
    const error = this.watchErrors.shift();
    const w = new FakeWatch<T>(opts, signal);
    if (error !== undefined) w.fail(error);
    this.watches.push(w);
    for (const r of this.watchOpened.splice(0)) r(w);
    return w;
  }
}

/** Waits (briefly, on the event loop) until `cond` holds. */
export async function until(cond: () => boolean, what = 'condition', timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * Registers hooks giving each test a fresh abort signal, aborted after it; `track` the run loop a
 * test starts and the hook waits for it to end before the next test.
 */
export function useRunSignal(): { readonly signal: AbortSignal; track(running: Promise<void>): void; abort(): void; ended(): Promise<void> } {
  let ac = new AbortController();
  let running: Promise<void> | undefined;
  beforeEach(() => {
    ac = new AbortController();
    running = undefined;
  });
  afterEach(async () => {
    ac.abort();
    await running;
  });
  return {
    get signal() {
      return ac.signal;
    },
    track: (r) => {
      running = r;
    },
    abort: () => ac.abort(),
    /** Resolves once the tracked run loop has returned. */
    ended: async () => {
      await running;
    },
  };
}
