// The event handler almost every controller registers: whatever happened, queue the object's key.
import { objectKey, type KubeObject } from '../api/kinds';
import type { EventHandler } from './shared-informer';

/**
 * A handler adding the "namespace/name" key of every added, updated or deleted object to
 * `queue`; `keyOf` may map an object to another key (e.g. a pod to its owner) or to
 * undefined to skip it.
 */
export function enqueueHandler<T extends KubeObject>(
  queue: { add(key: string): void },
  keyOf: (obj: T) => string | undefined = objectKey,
): EventHandler<T> {
  const enqueue = (obj: T) => {
    const key = keyOf(obj);
    if (key) queue.add(key);
  };
  return { onAdd: enqueue, onUpdate: (_old, obj) => enqueue(obj), onDelete: enqueue };
}
