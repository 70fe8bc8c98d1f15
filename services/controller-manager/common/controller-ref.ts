// Controller references (the ownerReference with controller=true) and the claim logic of
// Kubernetes' ControllerRefManager: a controller adopts orphans its selector matches and
// releases what it owns but no longer matches; objects another controller owns are left alone.
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import { isNotFound } from '../../../lib/api/errors';
import { selectorFromLabelSelector, type Selector } from '../../../lib/api/selectors';
import type { Lister } from '../../../lib/informer';
import type { LabelSelector, OwnerReference } from '../../../lib/gen/kite/meta/v1/meta';

export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences.find((r) => r.controller);
}

/**
 * resolveControllerRef: the owner of kind `kind` that `obj`'s controller reference names, when the
 * lister holds it with that uid (a reference to a deleted and recreated owner names nothing).
 */
export function resolveControllerRef<T extends KubeObject>(lister: Lister<T>, obj: KubeObject, kind: string): T | undefined {
  const ref = getControllerOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const owner = lister.namespace(obj.metadata!.namespace).get(ref.name);
  return owner?.metadata?.uid === ref.uid ? owner : undefined;
}

/** A workload's selector, or undefined when it does not parse (the apiserver validates it on write). */
export function selectorOf(obj: { spec?: { selector?: LabelSelector } }): Selector | undefined {
  try {
    return selectorFromLabelSelector(obj.spec?.selector);
  } catch {
    return undefined;
  }
}

/** The controllers of `obj`'s namespace whose non-empty selector matches its labels (get<Kind>sForPod, for orphans). */
export function controllersSelecting<T extends KubeObject & { spec?: { selector?: LabelSelector } }>(lister: Lister<T>, obj: KubeObject): T[] {
  return lister.namespace(obj.metadata!.namespace).list().filter((c) => {
    const sel = selectorOf(c);
    return !!sel && !sel.empty() && sel.matches(obj.metadata?.labels);
  });
}

export function newControllerRef(owner: KubeObject, kind: KindInfo<any>): OwnerReference {
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    name: owner.metadata!.name,
    uid: owner.metadata!.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A copy of `obj` owned by `owner` (for adoption). */
export function withControllerRef<T extends KubeObject>(obj: T, owner: KubeObject, kind: KindInfo<any>): T {
  const next = structuredClone(obj);
  next.metadata!.ownerReferences = [...next.metadata!.ownerReferences, newControllerRef(owner, kind)];
  return next;
}

/** A copy of `obj` without any reference to the owner `uid` (for release). */
export function withoutOwner<T extends KubeObject>(obj: T, uid: string): T {
  const next = structuredClone(obj);
  next.metadata!.ownerReferences = next.metadata!.ownerReferences.filter((r) => r.uid !== uid);
  return next;
}

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  selector: Selector;
  candidates: T[];
  /** Checked once before the first adoption: rejects if the owner is gone or being deleted. */
  canAdopt(): Promise<void>;
  /** Writes the adoption; resolves to the object as written. */
  adopt(obj: T): Promise<T>;
  release(obj: T): Promise<unknown>;
}

/**
 * The candidates the owner controls after adopting and releasing (Kubernetes' ClaimObject).
 * Errors other than "already gone" are collected; the caller fails the sync with them.
 */
export async function claimObjects<T extends KubeObject>(o: ClaimOptions<T>): Promise<{ claimed: T[]; errors: Error[] }> {
  const claimed: T[] = [];
  const errors: Error[] = [];
  const ownerUid = o.owner.metadata!.uid;
  const ownerDeleting = !!o.owner.metadata!.deletionTimestamp;
  // The owner is re-read once, before the first adoption; its failure fails every adoption.
  let adoptable: Promise<Error | undefined> | undefined;
  for (const obj of o.candidates) {
    const ref = getControllerOf(obj);
    const matches = o.selector.matches(obj.metadata?.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (matches) claimed.push(obj);
        else if (!ownerDeleting && !obj.metadata!.deletionTimestamp) await o.release(obj);
        continue;
      }
      if (ownerDeleting || !matches || obj.metadata!.deletionTimestamp) continue;
      adoptable ??= o.canAdopt().then(
        () => undefined,
        (err: Error) => err,
      );
      const cannot = await adoptable;
      if (cannot) {
        errors.push(cannot);
        break;
      }
      claimed.push(await o.adopt(obj));
    } catch (err) {
      if (!isNotFound(err)) errors.push(err as Error);
    }
  }
  return { claimed, errors };
}

/** The canAdopt check: a fresh read of the owner, as the cache may be stale. */
export async function recheckOwner(get: () => Promise<KubeObject>, owner: KubeObject, what: string): Promise<void> {
  const fresh = await get();
  if (fresh.metadata?.uid !== owner.metadata?.uid) {
    throw new Error(`original ${what} ${owner.metadata?.namespace}/${owner.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${owner.metadata?.uid}`);
  }
  if (fresh.metadata?.deletionTimestamp) {
    throw new Error(`${what} ${owner.metadata?.namespace}/${owner.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}
