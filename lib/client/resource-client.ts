// A typed client for one kind, built from the kinds table: promises for unary verbs and an
// AsyncIterable for watch. Every call has a deadline; UNAVAILABLE and overload rejections are
// retried with backoff. Errors arrive as the typed errors of lib/api/errors.
import { Client, Metadata, status as Status, type ClientDuplexStream, type ClientUnaryCall, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from '../api/errors';
import { parseWarningHeaders, WARNING_METADATA_KEY } from '../api/warnings';
import type { KindInfo, KubeList, KubeObject, Verb, WatchEvent } from '../api/kinds';
import type { DeleteOptionsLike, ListOptions, WatchOptions } from './types';
import { Scale } from '../gen/kite/meta/v1/meta';
import { withRetry, type RetryPolicy } from './retry';

type MethodDef = {
  path: string;
  requestSerialize: (v: any) => Buffer;
  responseDeserialize: (b: Buffer) => any;
};

export interface ClientCallOptions {
  /** Per-call deadline for unary calls (ms). */
  timeoutMs: number;
  retry: RetryPolicy;
  /** Extra metadata on every call (e.g. authorization); may be shared by calls, as grpc-js copies it. */
  metadata?: () => Metadata;
  /** Told each warning the apiserver sends with a response (client-go's WarningHandler). */
  onWarning?: (text: string) => void;
}

const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

type CreateOptions = { namespace?: string; dryRun?: boolean; fieldManager?: string };
type PatchOptions = { namespace?: string; type?: 'merge' | 'json' | 'strategic'; subresource?: string; fieldManager?: string; dryRun?: boolean };

/** The decoder of a reply nobody reads: it is not decoded. */
const discard = (): void => undefined;

/** The metadata of calls without extra metadata: grpc-js copies what it is given, so one serves all. */
const NO_METADATA = new Metadata();

export class ResourceClient<T extends KubeObject> {
  private readonly methods: Record<string, MethodDef>;
  private readonly byVerb = new Map<Verb, MethodDef>();

  constructor(
    readonly kind: KindInfo<T>,
    private readonly client: Client,
    private readonly opts: ClientCallOptions,
    /** Namespace used when a call does not name one. */
    readonly defaultNamespace = 'default',
  ) {
    this.methods = kind.service as unknown as Record<string, MethodDef>;
  }

  private method(verb: Verb): MethodDef {
    let m = this.byVerb.get(verb);
    if (m) return m;
    const rpc = this.kind.methods[verb];
    m = rpc ? this.methods[rpc.charAt(0).toLowerCase() + rpc.slice(1)] : undefined;
    if (!m) throw new Error(`${this.kind.serviceName} has no ${verb} method`);
    this.byVerb.set(verb, m);
    return m;
  }

  private ns(namespace: string | undefined): string {
    return this.kind.namespaced ? (namespace ?? this.defaultNamespace) : '';
  }

  /**
   * Calls the unary method of this kind's service for `verb` ("get" calls GetPod on pods);
   * `deserialize` replaces the reply's decoder (e.g. to skip decoding a reply nobody reads).
   */
  call<R>(verb: Verb, request: unknown, signal?: AbortSignal, deserialize?: (b: Buffer) => R): Promise<R> {
    const m = this.method(verb);
    return withRetry(
      this.opts.retry,
      () =>
        new Promise<R>((resolve, reject) => {
          const md = this.opts.metadata?.() ?? NO_METADATA;
          // grpc-js captures the caller's stack at every call (new Error()) for the stack of the
          // error it reports; fromServiceError keeps only the code, message and trailers of that
          // error, so the capture (7% of a client's CPU per call) is skipped.
          const stackTraceLimit = Error.stackTraceLimit;
          Error.stackTraceLimit = 0;
          let call: ClientUnaryCall;
          try {
            call = this.client.makeUnaryRequest(
              m.path,
              m.requestSerialize,
              deserialize ?? m.responseDeserialize,
              request,
              md,
              { deadline: Date.now() + this.opts.timeoutMs },
              (err: ServiceError | null, res?: R) => (err ? reject(fromServiceError(err)) : resolve(res as R)),
            );
          } finally {
            Error.stackTraceLimit = stackTraceLimit;
          }
          const onWarning = this.opts.onWarning;
          if (onWarning) call.on('metadata', (headers: Metadata) => parseWarningHeaders(headers.get(WARNING_METADATA_KEY)).forEach(onWarning));
          signal?.addEventListener('abort', () => call.cancel(), { once: true });
        }),
      signal,
    );
  }

  // Writes name their field manager (client-go's CreateOptions/UpdateOptions/PatchOptions
  // FieldManager); an empty one leaves it to the server, which records the client's User-Agent.
  // Always sent: an absent string field would be encoded as "undefined".
  create(obj: T, opts: CreateOptions = {}): Promise<T> {
    return this.call('create', this.createRequest(obj, opts));
  }

  /** create for a caller that reads no reply (the event recorder): the reply is not decoded. */
  createWithoutReply(obj: T, opts: CreateOptions = {}): Promise<void> {
    return this.call('create', this.createRequest(obj, opts), undefined, discard);
  }

  private createRequest(obj: T, opts: CreateOptions): object {
    const namespace = this.ns(opts.namespace ?? (obj.metadata?.namespace || undefined));
    return { namespace, [this.kind.requestField]: obj, dryRun: opts.dryRun ? ['All'] : [], fieldManager: opts.fieldManager ?? '' };
  }

  get(name: string, namespace?: string): Promise<T> {
    return this.call('get', { namespace: this.ns(namespace), name, resourceVersion: '' });
  }

  list(opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.call('list', {
      namespace: this.kind.namespaced ? (opts.namespace ?? '') : '',
      labelSelector: opts.labelSelector ?? '',
      fieldSelector: opts.fieldSelector ?? '',
      resourceVersion: opts.resourceVersion ?? '',
      resourceVersionMatch: '',
      limit: opts.limit ?? 0,
      continue: opts.continue ?? '',
    });
  }

  /** Lists every page; all pages are consistent at the first page's resourceVersion. */
  async listAll(opts: ListOptions = {}): Promise<KubeList<T>> {
    const first = await this.list(opts);
    const items = [...first.items];
    let cont = first.metadata?.continue ?? '';
    while (cont) {
      const page = await this.list({ ...opts, continue: cont });
      items.push(...page.items);
      cont = page.metadata?.continue ?? '';
    }
    return { ...first, items, metadata: { resourceVersion: first.metadata?.resourceVersion ?? '', continue: '' } };
  }

  update(obj: T, opts: { dryRun?: boolean; fieldManager?: string } = {}): Promise<T> {
    return this.call('update', { [this.kind.requestField]: obj, dryRun: opts.dryRun ? ['All'] : [], fieldManager: opts.fieldManager ?? '' });
  }

  updateStatus(obj: T, opts: { fieldManager?: string } = {}): Promise<T> {
    return this.call('updateStatus', { [this.kind.requestField]: obj, fieldManager: opts.fieldManager ?? '' });
  }

  /** updateStatus for a caller that reads no reply (the hollow nodes' pod status): the reply is not decoded. */
  updateStatusWithoutReply(obj: T, opts: { fieldManager?: string } = {}): Promise<void> {
    return this.call('updateStatus', { [this.kind.requestField]: obj, fieldManager: opts.fieldManager ?? '' }, undefined, discard);
  }

  /** JSON merge patch by default; `type: 'json'` for an RFC 6902 JSON patch, `'strategic'` for a strategic merge patch. */
  patch(name: string, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    return this.call('patch', this.patchRequest(name, patch, opts));
  }

  /** patch for a caller that reads no reply (the event recorder): the reply is not decoded. */
  patchWithoutReply(name: string, patch: unknown, opts: PatchOptions = {}): Promise<void> {
    return this.call('patch', this.patchRequest(name, patch, opts), undefined, discard);
  }

  private patchRequest(name: string, patch: unknown, opts: PatchOptions): object {
    return {
      namespace: this.ns(opts.namespace),
      name,
      patchType: PATCH_TYPES[opts.type ?? 'merge'],
      patch: typeof patch === 'string' ? patch : JSON.stringify(patch),
      dryRun: opts.dryRun ? ['All'] : [],
      subresource: opts.subresource ?? '',
      fieldManager: opts.fieldManager ?? '',
    };
  }

  /**
   * Server-side apply: `config` (the object's configuration, JSON or YAML text) applied as
   * `fieldManager`; `force` takes over fields other managers own instead of failing on them.
   */
  apply(name: string, config: unknown, opts: { namespace?: string; fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<T> {
    return this.call('patch', {
      namespace: this.ns(opts.namespace),
      name,
      patchType: 'application/apply-patch+yaml',
      patch: typeof config === 'string' ? config : JSON.stringify(config),
      dryRun: opts.dryRun ? ['All'] : [],
      subresource: '',
      fieldManager: opts.fieldManager,
      force: opts.force,
    });
  }

  delete(name: string, opts: DeleteOptionsLike = {}): Promise<T> {
    return this.call('delete', {
      namespace: this.ns(opts.namespace),
      name,
      gracePeriodSeconds: opts.gracePeriodSeconds,
      preconditions: opts.preconditions,
      propagationPolicy: opts.propagationPolicy ?? '',
      dryRun: opts.dryRun ? ['All'] : [],
    });
  }

  /** Deletes every object the selectors match in one namespace (or, cluster-scoped, all); returns them as they were listed. */
  deleteCollection(opts: { namespace?: string; labelSelector?: string; fieldSelector?: string; gracePeriodSeconds?: number; propagationPolicy?: string; dryRun?: boolean } = {}): Promise<KubeList<T>> {
    return this.call('deleteCollection', {
      namespace: this.ns(opts.namespace),
      labelSelector: opts.labelSelector ?? '',
      fieldSelector: opts.fieldSelector ?? '',
      gracePeriodSeconds: opts.gracePeriodSeconds,
      propagationPolicy: opts.propagationPolicy ?? '',
      dryRun: opts.dryRun ? ['All'] : [],
    });
  }

  /** Evicts a pod (pods/eviction): deleted unless a disruption budget forbids it (TooManyRequestsError). */
  evict(name: string, opts: { namespace?: string; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: boolean } = {}): Promise<T> {
    return this.call('evict', {
      namespace: this.ns(opts.namespace),
      name,
      gracePeriodSeconds: opts.gracePeriodSeconds,
      preconditions: opts.preconditions,
      dryRun: opts.dryRun ? ['All'] : [],
    });
  }

  /**
   * Binds a pod to a node (pods only: the pods/binding subresource). With `uid`, only the pod of
   * that UID is bound (one deleted and created again under its name is refused), as
   * kube-scheduler's binder asks. Resolves with nothing, as client-go's Bind: the bound pod the
   * reply carries is not decoded.
   */
  bind(name: string, nodeName: string, namespace?: string, uid = ''): Promise<void> {
    const request = {
      namespace: this.ns(namespace),
      name,
      target: { kind: 'Node', name: nodeName, namespace: '', uid: '', apiVersion: 'v1', resourceVersion: '', fieldPath: '' },
      uid,
    };
    return this.call('bind', request, undefined, discard);
  }

  getScale(name: string, namespace?: string): Promise<{ spec?: { replicas: number }; status?: { replicas: number; selector: string } }> {
    return this.call('getScale', { namespace: this.ns(namespace), name });
  }

  updateScale(name: string, replicas: number, namespace?: string): Promise<{ spec?: { replicas: number } }> {
    const ns = this.ns(namespace);
    return this.call('updateScale', {
      namespace: ns,
      name,
      scale: Scale.fromPartial({ metadata: { name, namespace: ns }, spec: { replicas }, kind: 'Scale', apiVersion: 'autoscaling/v1' }),
    });
  }

  /**
   * Calls a server-streaming method ("watch", "logs"): messages until the server ends the
   * stream, or until the signal aborts (then it ends quietly); a failure throws the typed error.
   */
  async *serverStream<R>(verb: Verb, request: unknown, signal?: AbortSignal): AsyncGenerator<R> {
    const m = this.method(verb);
    const md = this.opts.metadata?.() ?? NO_METADATA;
    const stream: ClientReadableStream<R> = this.client.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, request, md);
    const onAbort = () => stream.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const msg of stream) yield msg as R;
    } catch (err) {
      const se = err as ServiceError;
      if (se.code === Status.CANCELLED && signal?.aborted) return;
      throw typeof se.code === 'number' ? fromServiceError(se) : err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stream.cancel();
    }
  }

  /** Opens a bidirectional method ("exec"); errors on it are raw gRPC errors (see fromServiceError). */
  duplex<Req, Res>(verb: Verb): ClientDuplexStream<Req, Res> {
    const m = this.method(verb);
    return this.client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, this.opts.metadata?.() ?? NO_METADATA);
  }

  /**
   * Streams watch events until the signal aborts (then ends quietly) or the stream fails (then
   * throws the typed error, e.g. ExpiredError when resourceVersion is too old).
   */
  watch(opts: WatchOptions, signal?: AbortSignal): AsyncGenerator<WatchEvent<T>> {
    return this.serverStream<WatchEvent<T>>(
      'watch',
      {
        namespace: this.kind.namespaced ? (opts.namespace ?? '') : '',
        labelSelector: opts.labelSelector ?? '',
        fieldSelector: opts.fieldSelector ?? '',
        resourceVersion: opts.resourceVersion ?? '',
        allowWatchBookmarks: opts.allowWatchBookmarks ?? false,
        timeoutSeconds: opts.timeoutSeconds,
        sendInitialEvents: opts.sendInitialEvents ?? false,
      },
      signal,
    );
  }

  /** The ListerWatcher informers use, bound to a namespace and selectors. */
  listerWatcher(scope: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}) {
    return {
      list: (o: { resourceVersion?: string; limit?: number; continue?: string }) => this.list({ ...scope, ...o }),
      watch: (o: { resourceVersion: string; allowWatchBookmarks: boolean; timeoutSeconds?: number }, signal: AbortSignal) =>
        this.watch({ ...scope, ...o }, signal),
    };
  }
}
