// Controller references (the ownerReference with controller=true) and the claim logic of
// Kubernetes' ControllerRefManager: a controller adopts orphans its selector matches and
// releases what it owns but no longer matches; objects another controller owns are left alone.
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import { isNotFound } from '../../../lib/api/errors';
import type { Selector } from '../../../lib/api/selectors';
import type { OwnerReference } from '../../../lib/gen/kite/meta/v1/meta';

export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences.find((r) => r.controller);
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
