// The generic registry: Kubernetes' REST store semantics for any kind of the kinds table, over
// the revisioned storage. Optimistic concurrency, generation, status subresource, graceful
// deletion with finalizers, selectors and consistent pagination live here once for all kinds.
import { randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  ExpiredError,
  InvalidError,
  NotFoundError,
  RequestTooLargeError,
  TimeoutError,
  type FieldCause,
} from '../../../lib/api/errors';
import type { KindInfo, KubeList, KubeObject } from '../../../lib/api/kinds';
import { decodeKube, normalizeForStorage, type FieldValidation } from '../../../lib/api/kube-json';
import { APPLY_PATCH_TYPE, applyConfiguration, managedFieldsAfterUpdate, parseConfiguration } from '../../../lib/api/managed-fields';
import { applyPatch } from '../../../lib/api/patch';
import { parseFieldSelector, parseLabelSelector } from '../../../lib/api/selectors';
import { ObjectMeta, type ManagedFieldsEntry } from '../../../lib/gen/kite/meta/v1/meta';
import { rfc3339 } from '../../../lib/util/time';
import {
  CompactedError,
  ConflictError as StorageConflict,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  type KeyValue,
  type Storage,
} from '../storage/interface';
import { matches, type ObjectFilter } from '../watch/filter';
import { WatchCache, type WatchSink } from '../watch/watch-cache';
import { sameValue } from '../../../lib/api/managed-fields/same-value';
import { rememberStored } from './stored-encoding';
import type { Allocation, Strategy } from './strategy';

export interface RegistryOptions {
  /** Objects larger than this (encoded) are refused with RESOURCE_EXHAUSTED. */
  maxObjectBytes: number;
  watchCacheSize: number;
  /** How long a read at a resourceVersion not reached yet waits for it (Kubernetes' cacher: 3 s). */
  resourceVersionWaitMs?: number;
}

export const DEFAULT_RESOURCE_VERSION_WAIT_MS = 3000;
/** While waiting for a resourceVersion, how often the store's revision is read (writes of other kinds advance it). */
const RESOURCE_VERSION_RECHECK_MS = 100;
const RESOURCE_VERSION_MATCHES = ['Exact', 'NotOlderThan'] as const;

export interface ListRequest {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  /** "Exact" or "NotOlderThan" (the default for a resourceVersion other than "0"). */
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

/** What a patch request asks beyond the patch itself (see Registry.patch). */
export interface PatchHooks {
  fieldValidation?: FieldValidation;
  warn?: (texts: string[]) => void;
  created?: () => void;
}

const JSON_PATCH_TYPE = 'application/json-patch+json';

export interface DeleteRequest {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun?: boolean;
}

/**
 * Whose write it is, for metadata.managedFields: the field manager of an update (its changes are
 * recorded for it), or the entries an apply patch worked out.
 */
export type FieldTracking = string | { managedFields: ManagedFieldsEntry[] };

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
/** Kubernetes' SimpleNameGenerator: the generateName prefix is cut so the name fits 63 characters. */
const MAX_GENERATED_PREFIX = 63 - 5;
const MAX_RETRIES = 16;

/** Five characters of Kubernetes' SimpleNameGenerator alphabet (also the ServiceAccount admission's volume names). */
export function generateSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return s;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

export class Registry<T extends KubeObject> {
  readonly prefix: string;
  private readonly cache: WatchCache<T>;
  private readonly supportedFields: string[];
  /** Fresh empty spec and status objects (undefined for kinds without them). */
  private readonly emptyParts: () => { spec?: unknown; status?: unknown };
  /** Objects a write handed over, by the bytes written: the watch cache takes them instead of decoding those bytes. */
  private readonly handedOver = new WeakMap<Uint8Array, T>();

  constructor(
    readonly kind: KindInfo<T>,
    private readonly storage: Storage,
    private readonly strategy: Strategy<T>,
    private readonly opts: RegistryOptions,
  ) {
    this.prefix = `/registry/${kind.resource}/`;
    this.cache = new WatchCache(kind, storage, this.prefix, (kv) => this.cacheObject(kv), { capacity: opts.watchCacheSize });
    this.supportedFields = ['metadata.name', 'metadata.namespace', ...Object.keys(strategy.fields)];
    const base = kind.type.fromPartial({}) as KubeObject;
    this.emptyParts = () => {
      const empty = kind.type.fromPartial({ spec: {}, status: {} }) as KubeObject;
      return { spec: 'spec' in base ? empty.spec : undefined, status: 'status' in base ? empty.status : undefined };
    };
  }

  // ---------- encoding ----------

  key(namespace: string, name: string): string {
    return this.kind.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /**
   * A stored value's object, its bytes remembered with it (stored-encoding.ts) when they name its
   * kind; `remember` false for an object the caller will change (its reply must be encoded anew).
   */
  decode(kv: KeyValue, remember = true): T {
    const obj = this.kind.type.decode(kv.value);
    obj.metadata!.resourceVersion = String(kv.modRevision);
    if (remember && obj.kind === this.kind.kind && obj.apiVersion === this.kind.apiVersion) rememberStored(obj, kv.value);
    obj.kind = this.kind.kind;
    obj.apiVersion = this.kind.apiVersion;
    return obj;
  }

  /** A stored value as the watch cache keeps it: the object a write handed over with these very bytes, else decoded. */
  private cacheObject(kv: KeyValue): T {
    const obj = this.handedOver.get(kv.value);
    if (!obj) return this.decode(kv);
    this.handedOver.delete(kv.value);
    obj.metadata!.resourceVersion = String(kv.modRevision);
    return obj;
  }

  /**
   * The bytes to store for obj (remembered with it). `handOver`: obj is the caller's no more (a
   * gRPC call's, whose reply is encoded and dropped): the watch cache keeps it as the stored object.
   */
  private encode(obj: T, handOver = false): Uint8Array {
    const rv = obj.metadata!.resourceVersion;
    obj.metadata!.resourceVersion = '';
    const bytes = this.kind.type.encode(obj).finish();
    obj.metadata!.resourceVersion = rv;
    if (bytes.length > this.opts.maxObjectBytes) {
      throw new RequestTooLargeError(
        `${this.kind.kind} "${obj.metadata?.name}" is too large: ${bytes.length} bytes encoded, the limit is ${this.opts.maxObjectBytes} bytes`,
      );
    }
    rememberStored(obj, bytes);
    if (handOver) this.handedOver.set(bytes, obj);
    return bytes;
  }

  /** `deployments.apps "nginx"`: Kubernetes qualifies resources of named groups. */
  private what(name: string): string {
    return `${this.kind.resource}${this.kind.group ? `.${this.kind.group}` : ''} "${name}"`;
  }

  private notFound(name: string): NotFoundError {
    return new NotFoundError(`${this.what(name)} not found`);
  }

  private conflict(name: string): ConflictError {
    return new ConflictError(
      `Operation cannot be fulfilled on ${this.what(name)}: the object has been modified; please apply your changes to the latest version and try again`,
    );
  }

  private invalid(name: string, causes: FieldCause[]): InvalidError {
    return InvalidError.of(`${this.kind.kind} "${name}"`, causes);
  }

  private namespaceOf(requested: string | undefined, meta: ObjectMeta): string {
    if (!this.kind.namespaced) return '';
    if (requested && meta.namespace && requested !== meta.namespace) {
      throw new BadRequestError(
        `the namespace of the provided object (${meta.namespace}) does not match the namespace sent on the request (${requested})`,
      );
    }
    return requested || meta.namespace || 'default';
  }

  // ---------- verbs ----------

  /** `handOver`: input is the caller's no more, nor is the object returned (see encode). */
  async create(namespace: string | undefined, input: T | undefined, dryRun = false, tracking: FieldTracking = '', handOver = false): Promise<T> {
    if (!input) throw new BadRequestError(`a ${this.kind.kind} object is required in field "${this.kind.requestField}"`);
    const obj = input;
    const meta = (obj.metadata ??= ObjectMeta.fromPartial({}));
    meta.namespace = this.namespaceOf(namespace, meta);
    if (!meta.name && meta.generateName) meta.name = meta.generateName.slice(0, MAX_GENERATED_PREFIX) + generateSuffix();
    obj.kind = this.kind.kind;
    obj.apiVersion = this.kind.apiVersion;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339();
    meta.resourceVersion = '';
    meta.deletionTimestamp = '';
    meta.deletionGracePeriodSeconds = undefined;
    // Kubernetes' JSON always carries spec and status objects, even empty ones.
    const empty = this.emptyParts();
    meta.generation = empty.spec ? 1 : 0;
    obj.spec ??= empty.spec;
    if (this.kind.hasStatus) obj.status ??= empty.status;
    this.strategy.prepareForCreate(obj);
    // Stored as Kubernetes' Go types hold it: quantities canonical, non-pointer structs present.
    normalizeForStorage(this.kind, obj);
    this.strategy.defaults(obj);
    meta.managedFields = typeof tracking === 'string' ? managedFieldsAfterUpdate(this.kind, undefined, obj, tracking, '') : tracking.managedFields;
    const causes = this.strategy.validate(obj);
    if (causes.length) throw this.invalid(meta.name || meta.generateName, causes);
    const admitted = this.strategy.allocate?.(obj, undefined);
    if (admitted?.causes.length) throw this.invalid(meta.name, admitted.causes);
    try {
      const bytes = this.encode(obj, handOver && !dryRun);
      if (dryRun) {
        admitted?.rollback();
        return obj;
      }
      const kv = await this.storage.create(this.key(meta.namespace, meta.name), bytes);
      admitted?.commit();
      meta.resourceVersion = String(kv.modRevision);
      return obj;
    } catch (err) {
      admitted?.rollback();
      if (err instanceof KeyExistsError) throw new AlreadyExistsError(`${this.what(meta.name)} already exists`);
      throw err;
    }
  }

  /** The current object; a resourceVersion other than "0" must have been reached (not older than it). */
  async get(namespace: string, name: string, resourceVersion = ''): Promise<T> {
    if (!name) throw new BadRequestError('name is required');
    if (resourceVersion && resourceVersion !== '0') await this.waitForRevision(parseRV(resourceVersion));
    const kv = await this.storage.get(this.key(this.kind.namespaced ? namespace || 'default' : '', name));
    if (!kv) throw this.notFound(name);
    return this.decode(kv);
  }

  filter(req: { namespace?: string; labelSelector?: string; fieldSelector?: string }): ObjectFilter<T> {
    const fields = this.strategy.fields;
    return {
      namespace: this.kind.namespaced ? req.namespace ?? '' : '',
      labels: parseLabelSelector(req.labelSelector),
      fields: parseFieldSelector(req.fieldSelector, this.supportedFields),
      getField: (obj, field) => {
        if (field === 'metadata.name') return obj.metadata?.name;
        if (field === 'metadata.namespace') return obj.metadata?.namespace;
        return fields[field]?.(obj);
      },
    };
  }

  /**
   * resourceVersion "0" is served from the watch cache (as Kubernetes does for informers);
   * otherwise a consistent read from storage, paginated with continue tokens at one revision:
   * unset, the current state; "N" with resourceVersionMatch "Exact", the state at N; "N" otherwise
   * (NotOlderThan), the current state once the store has reached N. A resourceVersion the store
   * has not reached is waited for, then refused with Kubernetes' "Too large resource version".
   */
  async list(req: ListRequest): Promise<KubeList<T>> {
    validateListOptions(req);
    const filter = this.filter(req);
    const limit = Math.max(0, Number(req.limit ?? 0));
    const listMeta = (rv: number, cont = '') => ({ resourceVersion: String(rv), continue: cont, remainingItemCount: undefined });
    if (req.resourceVersion === '0' && !req.continue && limit === 0) {
      const { items, rv } = this.cache.list(filter);
      return { metadata: listMeta(rv), items: items.map((i) => i.obj), kind: `${this.kind.kind}List`, apiVersion: this.kind.apiVersion };
    }
    let revision = 0;
    let startAfter: string | undefined;
    if (req.continue) {
      const token = decodeContinue(req.continue);
      revision = token.rv;
      startAfter = token.start;
    } else if (req.resourceVersion && req.resourceVersion !== '0') {
      const rv = parseRV(req.resourceVersion);
      if (req.resourceVersionMatch === 'Exact') revision = rv;
      else await this.waitForRevision(rv);
    }
    const prefix = filter.namespace ? `${this.prefix}${filter.namespace}/` : this.prefix;
    const items: T[] = [];
    let more = false;
    let lastKey: string | undefined;
    try {
      for (;;) {
        const pageSize = limit > 0 ? Math.max(limit - items.length, 50) : 0;
        const page = await this.readAt(revision, () => this.storage.list(prefix, { revision, startAfter, limit: pageSize }));
        revision = page.revision;
        for (const kv of page.items) {
          const obj = this.decode(kv);
          lastKey = kv.key;
          if (!matches(filter, obj)) continue;
          items.push(obj);
          if (limit > 0 && items.length === limit) break;
        }
        if (limit > 0 && items.length === limit) {
          more = page.more || lastKey !== page.items[page.items.length - 1]?.key;
          break;
        }
        if (!page.more) break;
        startAfter = page.items[page.items.length - 1].key;
      }
    } catch (err) {
      if (err instanceof CompactedError) {
        throw new ExpiredError(
          req.continue
            ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
            : `too old resource version: ${req.resourceVersion} (${err.compacted})`,
        );
      }
      throw err;
    }
    const cont = more && lastKey ? encodeContinue(revision, lastKey) : '';
    return { metadata: listMeta(revision, cont), items, kind: `${this.kind.kind}List`, apiVersion: this.kind.apiVersion };
  }

  /**
   * Read-modify-write with optimistic concurrency: `mutate` gets the current object (a fresh
   * copy) and returns the desired one, or undefined for "no change". Retries on conflicts unless
   * the caller pinned a resourceVersion. `handOver`: the caller keeps no part of what mutate
   * returns, nor of the object returned (see encode).
   */
  async guaranteedUpdate(namespace: string, name: string, mutate: (cur: T) => T | undefined, pinned = false, handOver = false): Promise<T> {
    if (!name) throw new BadRequestError('name is required');
    const key = this.key(namespace, name);
    // As Kubernetes' cacher does, the first attempt starts from the watch cache's state of the
    // object (its stored bytes, decoded afresh) instead of reading the store; what that attempt
    // finds (a refusal, no change, a conflict) stands only once the store shows the same revision.
    let kv = this.cache.storedValue(key);
    let current = !kv;
    if (!kv) kv = await this.storage.get(key);
    /** Whether the attempt worked from the store's state; if not, kv becomes the store's value. */
    const wasCurrent = async (): Promise<boolean> => {
      if (current) return true;
      current = true;
      const now = await this.storage.get(key);
      if (now && !now.stale && now.modRevision === kv!.modRevision) return true;
      kv = now;
      return false;
    };
    for (let attempt = 0; ; attempt++) {
      if (!kv) throw this.notFound(name);
      const cur = this.decode(kv);
      let next: T | undefined;
      try {
        next = mutate(cur);
      } catch (err) {
        if (await wasCurrent()) throw err;
        continue;
      }
      const bytes = next && this.encode(next, handOver);
      // No change: the object as it is (a value read with an older encryption key is rewritten even if unchanged: key rotation).
      if (!next || (!kv.stale && bytesEqual(bytes!, kv.value))) {
        if (await wasCurrent()) return this.decode(kv!);
        continue;
      }
      try {
        // The last finalizer removed from an object whose graceful period is over: it goes now.
        // (A terminating pod's status updates keep it until its kubelet deletes it with grace 0.)
        if (next.metadata?.deletionTimestamp && !next.metadata.deletionGracePeriodSeconds && this.finalized(next)) {
          const gone = await this.storage.delete(key, kv.modRevision);
          next.metadata.resourceVersion = String(gone.modRevision);
          this.strategy.release?.(next);
          return next;
        }
        const out = await this.storage.update(key, bytes!, kv.modRevision);
        next.metadata!.resourceVersion = String(out.modRevision);
        return next;
      } catch (err) {
        // Written over the cache's state: the store is newer; tried again from it (pinned or not).
        const fromCache = !current && (err instanceof StorageConflict || err instanceof KeyNotFoundError);
        if (fromCache || (err instanceof StorageConflict && !pinned && attempt < MAX_RETRIES)) {
          current = true;
          kv = await this.storage.get(key);
          continue;
        }
        if (err instanceof StorageConflict) throw this.conflict(name);
        if (err instanceof KeyNotFoundError) throw this.notFound(name);
        throw err;
      }
    }
  }


  private finalized(obj: T): boolean {
    if ((obj.metadata?.finalizers.length ?? 0) > 0) return false;
    return !this.strategy.pendingFinalizers?.(obj);
  }

  private checkRV(input: T, cur: T): void {
    const rv = input.metadata?.resourceVersion;
    if (rv && rv !== cur.metadata!.resourceVersion) throw this.conflict(cur.metadata!.name);
  }

  /** `handOver`: the object returned is the caller's only to read (see encode). */
  async update(input: T | undefined, dryRun = false, tracking: FieldTracking = '', handOver = false): Promise<T> {
    if (!input?.metadata?.name) throw new BadRequestError(`${this.kind.requestField}.metadata.name is required`);
    const ns = this.namespaceOf(undefined, input.metadata);
    let admitted: Allocation | undefined;
    try {
      const result = await this.guaranteedUpdate(
        ns,
        input.metadata.name,
        (cur) => {
          this.checkRV(input, cur);
          admitted?.rollback();
          const next: T = this.kind.type.fromPartial(input);
          next.kind = this.kind.kind;
          next.apiVersion = this.kind.apiVersion;
          const m = next.metadata!;
          const old = cur.metadata!;
          m.namespace = old.namespace;
          m.uid = old.uid;
          m.creationTimestamp = old.creationTimestamp;
          m.deletionTimestamp = old.deletionTimestamp;
          m.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
          m.generateName = old.generateName;
          m.resourceVersion = old.resourceVersion;
          if (this.kind.hasStatus) next.status = cur.status;
          normalizeForStorage(this.kind, next);
          this.strategy.prepareForUpdate?.(next, cur);
          this.strategy.defaults(next);
          m.generation = old.generation + (this.specChanged(next, cur) ? 1 : 0);
          m.managedFields = typeof tracking === 'string' ? managedFieldsAfterUpdate(this.kind, cur, next, tracking, '') : tracking.managedFields;
          const causes = this.strategy.validateUpdate(next, cur);
          if (causes.length) throw this.invalid(m.name, causes);
          admitted = this.strategy.allocate?.(next, cur);
          if (admitted?.causes.length) throw this.invalid(m.name, admitted.causes);
          if (old.deletionTimestamp && m.finalizers.some((f) => !old.finalizers.includes(f))) {
            throw this.invalid(m.name, [{ field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted' }]);
          }
          if (dryRun) throw new DryRunResult(next);
          return next;
        },
        !!input.metadata.resourceVersion,
        handOver,
      );
      admitted?.commit();
      return result;
    } catch (err) {
      admitted?.rollback();
      if (err instanceof DryRunResult) return err.obj as T;
      throw err;
    }
  }

  /**
   * Whether the spec differs (generation moves): compared as values, and encoded only if they
   * differ as values (a map's order, which encoding keeps, changes no spec).
   */
  private specChanged(a: T, b: T): boolean {
    if (!('spec' in a) || !a.spec) return false;
    const strip = (o: T) => ({ ...o, metadata: undefined, status: undefined }) as T;
    if (sameValue(strip(a), strip(b))) return false;
    return !bytesEqual(this.kind.type.encode(strip(a)).finish(), this.kind.type.encode(strip(b)).finish());
  }

  /** `handOver`: the object returned is the caller's only to read (see encode). */
  async updateStatus(input: T | undefined, dryRun = false, manager = '', handOver = false): Promise<T> {
    if (!input?.metadata?.name) throw new BadRequestError(`${this.kind.requestField}.metadata.name is required`);
    const ns = this.namespaceOf(undefined, input.metadata);
    try {
      return await this.guaranteedUpdate(
        ns,
        input.metadata.name,
        (cur) => {
          this.checkRV(input, cur);
          const next: T = { ...cur, status: this.kind.type.fromPartial({ status: input.status }).status };
          normalizeForStorage(this.kind, next);
          const causes = this.strategy.validateStatusUpdate?.(next, cur) ?? [];
          if (causes.length) throw this.invalid(input.metadata!.name, causes);
          next.metadata = { ...cur.metadata!, managedFields: managedFieldsAfterUpdate(this.kind, cur, next, manager, 'status') };
          if (dryRun) throw new DryRunResult(next);
          return next;
        },
        !!input.metadata.resourceVersion,
        handOver,
      );
    } catch (err) {
      if (err instanceof DryRunResult) return err.obj as T;
      throw err;
    }
  }

  /**
   * `dryRun`: everything but the write (Kubernetes' dryRun=All), the patched object returned. An
   * apply patch (server-side apply) by `manager` creates the object if it does not exist: the
   * object `admitted` (applyCreation's, through create admission) if there is one, and calls
   * `hooks.created` once it has (Kubernetes' patcher answers such an apply 201 Created). The
   * unknown fields a JSON patch writes are treated as `hooks.fieldValidation` says (Ignore unless
   * given): Strict refuses them, Warn hands them to `hooks.warn` once the patch is written.
   */
  async patch(namespace: string, name: string, patchType: string, patch: string, subresource = '', dryRun = false, manager = '', force = false, admitted?: T, hooks: PatchHooks = {}): Promise<T> {
    if (subresource && subresource !== 'status') throw new BadRequestError(`unsupported subresource "${subresource}" for patch`);
    const ns = this.kind.namespaced ? namespace || 'default' : '';
    if (patchType === APPLY_PATCH_TYPE) return this.apply(ns, name, patch, subresource, dryRun, manager, force, admitted, hooks.created);
    // Kubernetes' jsonPatcher decodes the patched object strictly; the other patches are checked before (the front door's patchFieldWarnings).
    const validation = patchType === JSON_PATCH_TYPE ? (hooks.fieldValidation ?? 'Ignore') : 'Ignore';
    for (let attempt = 0; ; attempt++) {
      const cur = await this.get(ns, name);
      const patched = applyPatch(this.kind.type.toJSON(cur), patchType, patch, this.kind) as Record<string, unknown>;
      // Decoded as kube-apiserver decodes the patched object: a quantity written as a number
      // (`cpu: 2`) is its text, a wrongly typed value is refused, unknown fields are dropped.
      const { object: next, warnings: unknown } = decodeKube(this.kind, patched, validation === 'Ignore' ? 'Ignore' : 'Warn');
      if (unknown.length && validation === 'Strict') throw new BadRequestError(`strict decoding error: ${unknown.join(', ')}`);
      next.metadata ??= cur.metadata;
      // A patch that names a resourceVersion is a precondition, as in Kubernetes: a stale one is a conflict.
      const pinned = patchPinsRV(patch);
      if (!pinned) next.metadata!.resourceVersion = cur.metadata!.resourceVersion;
      next.metadata!.name = name;
      next.metadata!.namespace = ns;
      try {
        const written = subresource === 'status' ? await this.updateStatus(next, dryRun, manager) : await this.update(next, dryRun, manager);
        if (unknown.length) hooks.warn?.(unknown);
        return written;
      } catch (err) {
        // Retried against the newer object unless the patch itself pinned a resourceVersion.
        if (err instanceof ConflictError && attempt < MAX_RETRIES && !pinned) continue;
        throw err;
      }
    }
  }

  /** Kubernetes' ValidateDeleteOptions, checked before any object is looked up; `what` names the refused request. */
  private validateDeleteOptions(req: DeleteRequest, what: string): void {
    const policy = req.propagationPolicy ?? '';
    if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw InvalidError.of(what, [{ field: 'propagationPolicy', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"` }]);
    }
  }

  /**
   * Kubernetes' Store.DeleteCollection: lists what the selectors match, then deletes each with the
   * options (one at a time, as kube-apiserver's default --delete-collection-workers=1), each first
   * passed to `validate` (the request's admission of that delete); an object already gone is
   * skipped, the first other error ends the call. Returns the list as it was before the deletes.
   */
  async deleteCollection(
    req: { namespace?: string; labelSelector?: string; fieldSelector?: string },
    opts: DeleteRequest = {},
    validate: (obj: T) => Promise<void> = async () => undefined,
  ): Promise<KubeList<T>> {
    this.validateDeleteOptions(opts, 'DeleteOptions.meta.k8s.io ""');
    // One namespace at a time, as Kubernetes serves deletecollection only at a namespace's path.
    const namespace = this.kind.namespaced ? req.namespace || 'default' : '';
    const listed = await this.list({ namespace, labelSelector: req.labelSelector, fieldSelector: req.fieldSelector });
    for (const obj of listed.items) {
      const m = obj.metadata!;
      try {
        await validate(obj);
        await this.delete(m.namespace, m.name, opts);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return listed;
  }

  /** The object an apply patch would create, or undefined if the object exists (the patch updates it). */
  async applyCreation(namespace: string, name: string, text: string, manager: string): Promise<T | undefined> {
    const ns = this.kind.namespaced ? namespace || 'default' : '';
    const applied = this.configuration(ns, name, text);
    const exists = await this.get(ns, name).then(
      () => true,
      (err: unknown) => (err instanceof NotFoundError ? false : Promise.reject(err)),
    );
    return exists ? undefined : applyConfiguration(this.kind, undefined, applied, manager, false).object;
  }

  /** An apply patch's configuration, named and placed as the request says. */
  private configuration(ns: string, name: string, text: string): Record<string, unknown> {
    if (!name) throw new BadRequestError('name is required');
    const config = parseConfiguration(this.kind, text);
    const given = (config.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    if (given.name !== undefined && given.name !== name) {
      throw new BadRequestError(`the name of the object (${String(given.name)}) does not match the name on the URL (${name})`);
    }
    return { ...config, metadata: { ...given, name, ...(this.kind.namespaced ? { namespace: this.namespaceOf(ns, ObjectMeta.fromPartial({ namespace: String(given.namespace ?? '') })) } : {}) } };
  }

  /** Server-side apply: the configuration merged into the live object (or created, as `admitted` if given, then `created` called) as `manager`. */
  private async apply(ns: string, name: string, text: string, subresource: string, dryRun: boolean, manager: string, force: boolean, admitted?: T, created?: () => void): Promise<T> {
    if (subresource) throw new BadRequestError(`apply patches are not supported for the ${subresource} subresource`);
    const applied = this.configuration(ns, name, text);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.get(ns, name).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      const { object, managedFields } = !cur && admitted ? { object: admitted, managedFields: admitted.metadata?.managedFields ?? [] } : applyConfiguration(this.kind, cur, applied, manager, force);
      try {
        if (!cur) {
          const made = await this.create(ns, object, dryRun, { managedFields });
          created?.();
          return made;
        }
        object.metadata!.resourceVersion = cur.metadata!.resourceVersion;
        return await this.update(object, dryRun, { managedFields });
      } catch (err) {
        // Raced with another write (not a field conflict): applied again to the newer object.
        const raced = (err instanceof ConflictError && err.causes.length === 0) || err instanceof AlreadyExistsError;
        if (raced && attempt < MAX_RETRIES) continue;
        throw err;
      }
    }
  }

  async delete(namespace: string, name: string, req: DeleteRequest = {}): Promise<T> {
    if (!name) throw new BadRequestError('name is required');
    // The options are checked before the object is looked up, as Kubernetes validates DeleteOptions.
    this.validateDeleteOptions(req, `${this.kind.kind} "${name}"`);
    const policy = req.propagationPolicy ?? '';
    const ns = this.kind.namespaced ? namespace || 'default' : '';
    const key = this.key(ns, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.storage.get(key);
      if (!kv) throw this.notFound(name);
      const cur = this.decode(kv);
      const m = cur.metadata!;
      const pre = req.preconditions;
      if (pre?.uid && pre.uid !== m.uid) {
        throw new ConflictError(`Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${m.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
        throw new ConflictError(`Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${m.resourceVersion}`);
      }
      // Changed below: a dry run's answer is this object, encoded anew, not the stored bytes.
      const next = this.decode(kv, false);
      const nm = next.metadata!;
      if (policy === 'Orphan' && !nm.finalizers.includes('orphan')) nm.finalizers.push('orphan');
      if (policy === 'Foreground' && !nm.finalizers.includes('foregroundDeletion')) nm.finalizers.push('foregroundDeletion');
      if (policy === 'Background') nm.finalizers = nm.finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
      const grace = this.strategy.gracePeriod?.(cur, req.gracePeriodSeconds) ?? 0;
      if (grace > 0 || !this.finalized(next)) {
        // Graceful or finalized deletion: mark it and let the kubelet / controllers finish.
        const deadline = rfc3339(new Date(Date.now() + grace * 1000));
        if (!nm.deletionTimestamp || (grace < (m.deletionGracePeriodSeconds ?? Infinity))) {
          nm.deletionTimestamp = deadline;
          nm.deletionGracePeriodSeconds = grace;
        }
        this.strategy.prepareForDelete?.(next);
        if (req.dryRun) return next;
        const bytes = this.encode(next);
        if (!kv.stale && bytesEqual(bytes, kv.value)) return cur;
        try {
          const out = await this.storage.update(key, bytes, kv.modRevision);
          nm.resourceVersion = String(out.modRevision);
          return next;
        } catch (err) {
          if (err instanceof StorageConflict && attempt < MAX_RETRIES) continue;
          throw err;
        }
      }
      if (req.dryRun) return cur;
      try {
        const gone = await this.storage.delete(key, kv.modRevision);
        m.resourceVersion = String(gone.modRevision);
        this.strategy.release?.(cur);
        return cur;
      } catch (err) {
        if (err instanceof StorageConflict && attempt < MAX_RETRIES) continue;
        if (err instanceof KeyNotFoundError) throw this.notFound(name);
        throw err;
      }
    }
  }

  /**
   * Waits until the store has reached rv (Kubernetes' waitUntilFreshAndBlock): at once for a
   * write of this kind, within RESOURCE_VERSION_RECHECK_MS for any other; after
   * resourceVersionWaitMs, TimeoutError "Too large resource version".
   */
  private async waitForRevision(rv: number): Promise<void> {
    if (this.cache.resourceVersion >= rv) return;
    const deadline = Date.now() + (this.opts.resourceVersionWaitMs ?? DEFAULT_RESOURCE_VERSION_WAIT_MS);
    for (;;) {
      const current = await this.storage.currentRevision();
      if (current >= rv) return;
      const left = deadline - Date.now();
      if (left <= 0) throw TimeoutError.tooLargeResourceVersion(rv, current);
      await this.cache.waitFor(rv, Math.min(left, RESOURCE_VERSION_RECHECK_MS)).catch(() => undefined);
    }
  }

  /** A storage read at revision; one at a revision not reached yet waits for it, then is read again. */
  private async readAt<R>(revision: number, read: () => Promise<R>): Promise<R> {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof FutureRevisionError)) throw err;
      await this.waitForRevision(revision);
      return read();
    }
  }

  // ---------- the watch cache, read-only (as Kubernetes' Cacher serves storage.Interface) ----------

  /** Fills the watch cache from storage and follows it; resolves once the cache serves. */
  startCache(): Promise<void> {
    return this.cache.start();
  }

  stopCache(): void {
    this.cache.stop();
  }

  /** The object as the watch cache holds it now (shared: never modify it), or undefined. */
  cached(namespace: string, name: string): T | undefined {
    return this.cache.get(this.key(this.kind.namespaced ? namespace : '', name));
  }

  /** The cached objects matching the selectors (shared: never modify them). */
  cachedList(req: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): T[] {
    return this.cache.list(this.filter(req)).items.map((i) => i.obj);
  }

  /** The resourceVersion the watch cache has reached. */
  get cachedRevision(): number {
    return this.cache.resourceVersion;
  }

  /** Objects in the watch cache. */
  get cachedCount(): number {
    return this.cache.size;
  }

  /** Watches served from the cache right now. */
  get watcherCount(): number {
    return this.cache.watcherCount;
  }

  /** Resolves once the watch cache has reached `rv`; rejects after `timeoutMs`. */
  waitForCache(rv: number, timeoutMs?: number): Promise<void> {
    return this.cache.waitFor(rv, timeoutMs);
  }

  /** Starts a watch served from the cache; returns the function that stops it. */
  watch(req: { namespace?: string; labelSelector?: string; fieldSelector?: string; resourceVersion?: string }, sink: WatchSink): () => void {
    const filter = this.filter(req);
    const rv = req.resourceVersion && req.resourceVersion !== '0' ? parseRV(req.resourceVersion) : undefined;
    return this.cache.watch(filter, rv, sink);
  }
}

class DryRunResult {
  constructor(readonly obj: unknown) {}
}

function patchPinsRV(patch: string): boolean {
  try {
    const p = JSON.parse(patch) as unknown;
    if (Array.isArray(p)) return p.some((op: { path?: string }) => op?.path === '/metadata/resourceVersion');
    return typeof (p as { metadata?: { resourceVersion?: unknown } })?.metadata?.resourceVersion === 'string';
  } catch {
    return false;
  }
}

/** Kubernetes' ValidateListOptions (for a list, not a watch). */
function validateListOptions(req: ListRequest): void {
  const match = req.resourceVersionMatch;
  if (!match) return;
  const causes: FieldCause[] = [];
  const forbid = (message: string) => causes.push({ field: 'resourceVersionMatch', message: `Forbidden: ${message}` });
  if (!req.resourceVersion) forbid('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (req.continue) forbid('resourceVersionMatch is forbidden when continue is provided');
  if (!(RESOURCE_VERSION_MATCHES as readonly string[]).includes(match)) {
    causes.push({ field: 'resourceVersionMatch', message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""` });
  }
  if (match === 'Exact' && req.resourceVersion === '0') forbid('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  if (causes.length) throw InvalidError.of('ListOptions.meta.k8s.io ""', causes);
}

export function parseRV(rv: string): number {
  if (!/^\d+$/.test(rv)) throw new BadRequestError(`invalid resourceVersion "${rv}": must be a decimal number`);
  if (!Number.isSafeInteger(Number(rv))) throw new BadRequestError(`invalid resourceVersion "${rv}": out of range`);
  return Number(rv);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 1, rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v: number; rv: number; start: string };
    if (t.v !== 1 || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return t;
  } catch {
    throw new BadRequestError('invalid continue token: it must be the exact value returned by a previous list');
  }
}
