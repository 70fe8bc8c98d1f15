// An in-memory API for the kubelet's object manager: ConfigMaps and Secrets by kind, namespace
// and name, served to single-object list+watch calls, recording each watch's scope and whether it
// is still open.
import type { KindInfo, KubeObject, WatchEvent } from '../../../../lib/api/kinds';
import type { ListerWatcher, ListerWatcherFactory, ListWatchScope } from '../../../../lib/informer';

interface OpenWatch {
  kind: string;
  namespace: string;
  name: string;
  push(ev: WatchEvent<KubeObject>): void;
}

export class FakeObjectApi {
  private readonly objects = new Map<string, KubeObject>();
  private readonly open = new Set<OpenWatch>();
  private rv = 1;
  /** "Kind namespace fieldSelector" of every list made. */
  readonly lists: string[] = [];

  put(kind: 'ConfigMap' | 'Secret', obj: KubeObject): void {
    const m = obj.metadata!;
    const key = `${kind}/${m.namespace}/${m.name}`;
    const existed = this.objects.has(key);
    const stored = { ...obj, metadata: { ...m, resourceVersion: String(++this.rv), uid: m.uid || `uid-${m.name}` } } as KubeObject;
    this.objects.set(key, stored);
    this.emit(kind, stored, existed ? 'MODIFIED' : 'ADDED');
  }

  delete(kind: 'ConfigMap' | 'Secret', namespace: string, name: string): void {
    const key = `${kind}/${namespace}/${name}`;
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    this.emit(kind, { ...obj, metadata: { ...obj.metadata!, resourceVersion: String(++this.rv) } } as KubeObject, 'DELETED');
  }

  /** Watches open now, as "Kind/namespace/name". */
  openWatches(): string[] {
    return [...this.open].map((w) => `${w.kind}/${w.namespace}/${w.name}`).sort();
  }

  readonly factory: ListerWatcherFactory = <T extends KubeObject>(kind: KindInfo<T>, scope: ListWatchScope): ListerWatcher<T> => {
    const name = /^metadata\.name=(.*)$/.exec(scope.fieldSelector ?? '')?.[1] ?? '';
    const namespace = scope.namespace ?? '';
    const key = `${kind.kind}/${namespace}/${name}`;
    return {
      list: async () => {
        this.lists.push(`${kind.kind} ${namespace} ${scope.fieldSelector}`);
        const obj = this.objects.get(key) as T | undefined;
        return { kind: `${kind.kind}List`, apiVersion: 'v1', metadata: { resourceVersion: String(this.rv), continue: '' }, items: obj ? [obj] : [] };
      },
      watch: (_opts, signal) => this.stream(kind.kind, namespace, name, signal) as AsyncIterable<WatchEvent<T>>,
    };
  };

  private async *stream(kind: string, namespace: string, name: string, signal: AbortSignal): AsyncIterable<WatchEvent<KubeObject>> {
    const queue: WatchEvent<KubeObject>[] = [];
    let wake: (() => void) | undefined;
    const w: OpenWatch = { kind, namespace, name, push: (ev) => (queue.push(ev), wake?.()) };
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    this.open.add(w);
    try {
      while (!signal.aborted) {
        const ev = queue.shift();
        if (ev) {
          yield ev;
          continue;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.open.delete(w);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private emit(kind: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED' | 'DELETED'): void {
    for (const w of this.open) {
      if (w.kind === kind && w.namespace === obj.metadata!.namespace && w.name === obj.metadata!.name) w.push({ type, object: obj });
    }
  }
}
