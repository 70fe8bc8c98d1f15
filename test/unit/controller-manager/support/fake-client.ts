// A fake API client for controller tests (client-go's fake clientset): records every call in
// order and keeps a small object tracker so reads after writes behave like an apiserver
// (generateName, uid, resourceVersion conflicts, NotFound, label-selected lists).
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../../../lib/api/errors';
import type { KindInfo, KubeList, KubeObject } from '../../../../lib/api/kinds';
import { mergePatch } from '../../../../lib/api/patch';
import { parseLabelSelector, selectorFromLabelSelector } from '../../../../lib/api/selectors';
import type { ApiClient, ResourceApi } from '../../../../services/controller-manager/controller';

export interface RecordedCall {
  verb: 'create' | 'get' | 'list' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'getScale' | 'updateScale';
  /** The kind's resource name ("pods"). */
  resource: string;
  namespace: string;
  name: string;
  /** A snapshot of the object sent (create/update/updateStatus). */
  object?: any;
  /** Delete options or the patch. */
  options?: any;
}

/** Makes a call fail: return an error to throw, or undefined to let it through. */
export type Reactor = (call: RecordedCall) => Error | undefined;

export class FakeApiClient implements ApiClient {
  readonly calls: RecordedCall[] = [];
  readonly reactors: Reactor[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private rv = 100;
  private seq = 0;
  /** Record reads (get/list) too; off by default so assertions list only writes. */
  recordReads = false;

  constructor(private readonly now: () => number = () => Date.parse('2024-01-01T00:00:00Z')) {}

  /** Puts objects in the tracker (as if they existed in the apiserver). */
  seed(kind: KindInfo<any>, ...objs: KubeObject[]): void {
    for (const o of objs) this.objects.set(this.key(kind, o.metadata!.namespace, o.metadata!.name), structuredClone(o));
  }

  tracked<T extends KubeObject>(kind: KindInfo<T>, namespace: string, name: string): T | undefined {
    return this.objects.get(this.key(kind, namespace, name)) as T | undefined;
  }

  /** The calls as short strings: "create pods default/web-" (writes only unless recordReads). */
  summary(): string[] {
    return this.calls.map((c) => `${c.verb} ${c.resource} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`);
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  resource<T extends KubeObject>(kind: KindInfo<T>): ResourceApi<T> {
    const ns = (n: string | undefined) => (kind.namespaced ? n || 'default' : '');
    const call = (c: RecordedCall, read = false) => {
      if (!read || this.recordReads) this.calls.push(c);
      for (const r of this.reactors) {
        const err = r(c);
        if (err) throw err;
      }
    };
    const notFound = (name: string) => new NotFoundError(`${kind.resource} "${name}" not found`);
    const store = (obj: T): T => {
      const m = obj.metadata!;
      m.resourceVersion = String(++this.rv);
      this.objects.set(this.key(kind, m.namespace, m.name), structuredClone(obj));
      return structuredClone(obj);
    };
    const write = (verb: 'update' | 'updateStatus', obj: T): T => {
      const m = obj.metadata!;
      const namespace = ns(m.namespace);
      call({ verb, resource: kind.resource, namespace, name: m.name, object: structuredClone(obj) });
      const cur = this.objects.get(this.key(kind, namespace, m.name));
      if (!cur) throw notFound(m.name);
      if (m.resourceVersion && m.resourceVersion !== cur.metadata!.resourceVersion) {
        throw new ConflictError(`Operation cannot be fulfilled on ${kind.resource} "${m.name}": the object has been modified`);
      }
      const next = structuredClone(obj);
      if (verb === 'updateStatus') return store({ ...structuredClone(cur), status: next.status } as T);
      if (kind.hasStatus) next.status = structuredClone(cur.status);
      return store(next);
    };
    const api: ResourceApi<T> = {
      create: async (obj, opts = {}) => {
        const o = structuredClone(obj);
        const m = o.metadata!;
        m.namespace = ns(opts.namespace ?? m.namespace);
        call({ verb: 'create', resource: kind.resource, namespace: m.namespace, name: m.name || m.generateName, object: structuredClone(obj) });
        if (!m.name && m.generateName) m.name = `${m.generateName}${(++this.seq).toString(36).padStart(5, '0')}`;
        if (this.objects.has(this.key(kind, m.namespace, m.name))) throw new AlreadyExistsError(`${kind.resource} "${m.name}" already exists`);
        m.uid ||= `uid-${m.name}`;
        m.creationTimestamp ||= new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        o.kind = kind.kind;
        o.apiVersion = kind.apiVersion;
        return store(o);
      },
      get: async (name, namespace) => {
        call({ verb: 'get', resource: kind.resource, namespace: ns(namespace), name }, true);
        const o = this.objects.get(this.key(kind, ns(namespace), name));
        if (!o) throw notFound(name);
        return structuredClone(o) as T;
      },
      list: async (opts = {}) => this.list(kind, opts, call),
      listAll: async (opts = {}) => this.list(kind, opts, call),
      update: async (obj) => write('update', obj),
      updateStatus: async (obj) => write('updateStatus', obj),
      patch: async (name, patch, opts = {}) => {
        const namespace = ns(opts.namespace);
        call({ verb: 'patch', resource: kind.resource, namespace, name, options: patch });
        const cur = this.objects.get(this.key(kind, namespace, name));
        if (!cur) throw notFound(name);
        const json = mergePatch(kind.type.toJSON(cur as T) as any, (typeof patch === 'string' ? JSON.parse(patch) : patch) as any);
        return store(kind.type.fromJSON(json) as T);
      },
      // The scale subresource as the apiserver's toScale has it: spec.replicas, status.replicas and the selector.
      getScale: async (name, namespace) => {
        call({ verb: 'getScale', resource: kind.resource, namespace: ns(namespace), name }, true);
        const o = this.objects.get(this.key(kind, ns(namespace), name)) as any;
        if (!o) throw notFound(name);
        return { spec: { replicas: o.spec?.replicas ?? 0 }, status: { replicas: o.status?.replicas ?? 0, selector: selectorFromLabelSelector(o.spec?.selector).toString() } };
      },
      updateScale: async (name, replicas, namespace) => {
        call({ verb: 'updateScale', resource: kind.resource, namespace: ns(namespace), name, options: { replicas } });
        const cur = this.objects.get(this.key(kind, ns(namespace), name)) as any;
        if (!cur) throw notFound(name);
        store({ ...structuredClone(cur), spec: { ...cur.spec, replicas } });
        return { spec: { replicas } };
      },
      delete: async (name, opts = {}) => {
        const namespace = ns(opts.namespace);
        const options: Record<string, unknown> = { ...opts };
        delete options.namespace;
        call({ verb: 'delete', resource: kind.resource, namespace, name, options: structuredClone(options) });
        const key = this.key(kind, namespace, name);
        const o = this.objects.get(key);
        if (!o) throw notFound(name);
        this.objects.delete(key);
        return structuredClone(o) as T;
      },
    };
    return api;
  }

  private list<T extends KubeObject>(
    kind: KindInfo<T>,
    opts: { namespace?: string; labelSelector?: string },
    call: (c: RecordedCall, read: boolean) => void,
  ): KubeList<T> {
    call({ verb: 'list', resource: kind.resource, namespace: opts.namespace ?? '', name: '', options: { labelSelector: opts.labelSelector } }, true);
    const sel = parseLabelSelector(opts.labelSelector);
    const prefix = `${groupResource(kind)}/${kind.namespaced && opts.namespace ? `${opts.namespace}/` : ''}`;
    const items = [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && sel.matches(o.metadata?.labels))
      .map(([, o]) => structuredClone(o) as T);
    return { metadata: { resourceVersion: String(this.rv), continue: '' }, items, kind: `${kind.kind}List`, apiVersion: kind.apiVersion };
  }

  private key(kind: KindInfo<any>, namespace: string | undefined, name: string): string {
    return kind.namespaced ? `${groupResource(kind)}/${namespace || 'default'}/${name}` : `${groupResource(kind)}/${name}`;
  }
}

/** "pods", "pods.metrics.k8s.io": a resource alone does not name a kind. */
const groupResource = (kind: KindInfo<any>) => (kind.group ? `${kind.resource}.${kind.group}` : kind.resource);
