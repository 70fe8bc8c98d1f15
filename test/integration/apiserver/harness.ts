// Shared set-up for the apiserver integration tests: a real apiserver on 127.0.0.1 over the
// SQLite or the etcd store, unique object names, error helpers and a recorder for watch
// streams (object builders are in test/support/builders.ts). Each suite gets its own apiserver
// (and etcd), stopped in after() even on failure.
import { strict as assert } from 'node:assert';
import { InvalidError, type ApiError } from '../../../lib/api/errors';
import type { KubeObject, WatchEvent } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import type { WatchOptions } from '../../../lib/client/types';
import type { ResourceClient } from '../../../lib/client/resource-client';
import type { ApiserverConfig } from '../../../services/apiserver/server';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../support/etcd';
import { waitFor } from '../../support/wait';

export type Backend = 'sqlite' | 'etcd';

/** The backends the important suites run on; with KITE_SKIP_ETCD=1 the etcd suites show as skipped. */
export function backends(): Backend[] {
  return ['sqlite', 'etcd'];
}

export interface ApiserverHandle {
  readonly api: TestApiserver;
  /** A client with no retries (errors as they happen). */
  readonly client: Clientset;
}

/**
 * Registers before/after hooks that start an apiserver on `backend` (and an etcd for it) and
 * stop both afterwards. Read the handle's fields inside tests only.
 */
export function useApiserver(backend: Backend, opts: Partial<ApiserverConfig> = {}): ApiserverHandle {
  let etcd: TestEtcd | undefined;
  let api: TestApiserver | undefined;
  let client: Clientset | undefined;
  before(async function () {
    this.timeout(30_000);
    if (backend === 'etcd' && etcdSkipped()) this.skip();
    if (backend === 'etcd') etcd = await startEtcd();
    api = await startTestApiserver({ ...opts, ...(etcd ? { store: 'etcd', etcdEndpoints: [etcd.endpoint] } : {}) });
    client = api.client();
  });
  after(async function () {
    this.timeout(30_000);
    await api?.stop();
    await etcd?.stop();
  });
  return {
    get api() {
      return api!;
    },
    get client() {
      return client!;
    },
  };
}

export { uniqueName } from '../../support/names';
/** The field causes of an Invalid error as "field: message" lines (fails on any other error). */
export function causesOf(err: unknown): string[] {
  assert.ok(err instanceof InvalidError, `expected an InvalidError, got ${String(err)}`);
  return err.causes.map((c) => `${c.field}: ${c.message}`);
}

/** Runs fn and returns the typed error it threw (fails if it did not throw). */
export async function errorOf(fn: () => Promise<unknown>): Promise<ApiError> {
  try {
    await fn();
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** Reads a watch stream in the background and keeps every event for assertions. */
export class WatchRecorder<T extends KubeObject> {
  readonly events: WatchEvent<T>[] = [];
  error?: Error;
  ended = false;
  private readonly ac = new AbortController();
  readonly done: Promise<void>;

  constructor(client: ResourceClient<T>, opts: WatchOptions) {
    this.done = (async () => {
      try {
        for await (const ev of client.watch(opts, this.ac.signal)) this.events.push(ev);
      } catch (err) {
        this.error = err as Error;
      } finally {
        this.ended = true;
      }
    })();
  }

  /** Events other than BOOKMARK, as "TYPE name" strings. */
  summary(): string[] {
    return this.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object?.metadata?.name}`);
  }

  /** Waits until `pred` holds for the events so far; fails with what arrived. */
  async until(what: string, pred: (events: WatchEvent<T>[]) => boolean, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      what,
      () => {
        if (pred(this.events)) return true;
        if (this.ended) throw new Error(`watch ended (${this.error?.message ?? 'no error'}) with ${JSON.stringify(this.summary())}`);
        return false;
      },
      timeoutMs,
      10,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; got ${JSON.stringify(this.summary())}`);
    });
  }

  /** Waits for at least n non-bookmark events. */
  untilCount(n: number, timeoutMs?: number): Promise<void> {
    return this.until(`${n} events`, (evs) => evs.filter((e) => e.type !== 'BOOKMARK').length >= n, timeoutMs);
  }

  /** Waits until the stream ends (with or without error). */
  async untilEnded(timeoutMs = 10_000): Promise<void> {
    await waitFor('the watch to end', () => this.ended, timeoutMs, 10);
  }

  stop(): Promise<void> {
    this.ac.abort();
    return this.done;
  }
}

/** Stops every recorder made through it (call in afterEach so failures leave no stream open). */
export class Recorders {
  private readonly all: WatchRecorder<any>[] = [];

  watch<T extends KubeObject>(client: ResourceClient<T>, opts: WatchOptions): WatchRecorder<T> {
    const r = new WatchRecorder(client, opts);
    this.all.push(r);
    return r;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((r) => r.stop()));
  }
}

/** Gives streams a moment to deliver anything that should NOT arrive. */
export function settle(ms = 200): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
