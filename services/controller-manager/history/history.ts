// Controller history: Kubernetes' pkg/controller/history, shared by the DaemonSet and StatefulSet
// controllers. A ControllerRevision is an immutable snapshot of an owner's pod template, named
// `<owner>-<hash>`, labelled `controller-revision-hash: <hash>`, owned by its controller and
// numbered by `revision`; pods made from it carry the same label.
//
// The API:
//   CONTROLLER_REVISION_HASH                  the label on revisions and on their pods
//   templateRevisionData(template)            a revision's `data`: {spec: {template: {..., $patch: replace}}}
//   templateFromRevision(revision)            the pod template a revision holds
//   revisionHash(template, collisionCount)    the hash label value (stable; salted by collisionCount)
//   revisionName(owner, hash)                 `<owner>-<hash>` (owner name cut to fit)
//   sortRevisions, nextRevision               ordering by revision (then creation time, name); max + 1
//   equalRevision, findEqualRevisions         same template (hash labels, then data)
//   new RevisionHistory(client, lister)       reads the cache, writes through the API:
//     .list(owner)                            the owner's revisions, sorted
//     .claim(owner, kind, selector)           adopts orphans matching the selector, releases the rest
//     .create(owner, kind, template, revision, collisionCount)
//                                             creates the snapshot; on a name taken by another
//                                             template bumps collisionCount and retries; resolves to
//                                             {revision, collisionCount} (the caller saves the count
//                                             in its status, as StatefulSet's and DaemonSet's do)
//     .setRevision(revision, n)               renumbers a revision (a rollback makes an old one current)
//     .truncate(candidates, limit, isLive)    deletes the oldest candidates beyond `limit`, never a live one
import { isAlreadyExists, isNotFound } from '../../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import type { Selector } from '../../../lib/api/selectors';
import { ControllerRevisions } from '../../../lib/api/kinds';
import { ControllerRevision } from '../../../lib/gen/kite/apps/v1/types';
import { PodTemplateSpec } from '../../../lib/gen/kite/core/v1/types';
import type { Lister } from '../../../lib/informer';
import { encodeMessage } from '../../../lib/api/kube-json';
import { protoRootOf } from '../../../lib/api/proto-schema';
import { jsonEqual } from '../../../lib/util/json';
import { claimObjects, getControllerOf, newControllerRef, recheckOwner, withControllerRef, withoutOwner } from '../common/controller-ref';
import type { ApiClient } from '../controller';
import { computeHash } from '../deployment/template-hash';

export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/** Longest owner-name prefix, leaving room for "-" and a hash within a 253-character name. */
const MAX_PREFIX = 223;

/** JSON with every object's keys sorted, as Go's json.Marshal writes a map[string]interface{}. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, sortedKeys(o[k])]));
}

/**
 * Kubernetes' getPatch: the template in Kubernetes' JSON, marked to replace (not merge into) the
 * owner's on rollback, keys sorted: the very bytes kubectl's rollout undo compares with the
 * patch it makes of the owner to tell a rollback is a no-op.
 */
export function templateRevisionData(template: PodTemplateSpec | undefined): Record<string, unknown> {
  const type = protoRootOf().lookupType('kite.core.v1.PodTemplateSpec');
  const json = encodeMessage(type, PodTemplateSpec.toJSON(PodTemplateSpec.fromPartial(template ?? {}))) as Record<string, unknown>;
  return sortedKeys({ spec: { template: { ...json, $patch: 'replace' } } }) as Record<string, unknown>;
}

export function templateFromRevision(rev: ControllerRevision): PodTemplateSpec | undefined {
  const t = (rev.data?.spec as { template?: Record<string, unknown> } | undefined)?.template;
  if (!t) return undefined;
  const { $patch: _, ...template } = t;
  return PodTemplateSpec.fromJSON(template);
}

export function revisionHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  return computeHash(template, collisionCount);
}

export function revisionName(owner: string, hash: string): string {
  return `${owner.slice(0, MAX_PREFIX)}-${hash}`;
}

function created(r: ControllerRevision): string {
  return r.metadata?.creationTimestamp ?? '';
}

/** Ascending by revision, then creation time, then name (Kubernetes' SortControllerRevisions). */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort(
    (a, b) => a.revision - b.revision || created(a).localeCompare(created(b)) || a.metadata!.name.localeCompare(b.metadata!.name),
  );
}

export function nextRevision(revs: readonly ControllerRevision[]): number {
  return revs.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/** Kubernetes' EqualRevision: different hash labels differ; otherwise the data decides. */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  const ha = a.metadata?.labels?.[CONTROLLER_REVISION_HASH];
  const hb = b.metadata?.labels?.[CONTROLLER_REVISION_HASH];
  if (ha && hb && ha !== hb) return false;
  return jsonEqual(a.data, b.data);
}

export function findEqualRevisions(revs: readonly ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  return revs.filter((r) => equalRevision(r, needle));
}

/** The revision an owner would write for `template` (Kubernetes' NewControllerRevision, with the owner's annotations as both controllers add them). */
export function newRevision(
  owner: KubeObject,
  kind: KindInfo<any>,
  template: PodTemplateSpec | undefined,
  revision: number,
  collisionCount?: number,
): ControllerRevision {
  const hash = revisionHash(template, collisionCount);
  return ControllerRevision.fromPartial({
    metadata: {
      name: revisionName(owner.metadata!.name, hash),
      namespace: owner.metadata!.namespace,
      labels: { ...template?.metadata?.labels, [CONTROLLER_REVISION_HASH]: hash },
      // The owner's annotations (kubernetes.io/change-cause is what rollout history shows).
      annotations: { ...owner.metadata!.annotations },
      ownerReferences: [newControllerRef(owner, kind)],
    },
    data: templateRevisionData(template),
    revision,
  });
}

export class RevisionHistory {
  constructor(
    private readonly client: ApiClient,
    private readonly lister: Lister<ControllerRevision>,
  ) {}

  private get api() {
    return this.client.resource(ControllerRevisions);
  }

  list(owner: KubeObject): ControllerRevision[] {
    const uid = owner.metadata!.uid;
    return sortRevisions(this.lister.namespace(owner.metadata!.namespace).list().filter((r) => getControllerOf(r)?.uid === uid));
  }

  /** The owner's revisions after adopting matching orphans and releasing owned ones that stopped matching. */
  async claim(owner: KubeObject, kind: KindInfo<any>, selector: Selector): Promise<ControllerRevision[]> {
    const { claimed, errors } = await claimObjects({
      owner,
      selector,
      candidates: this.lister.namespace(owner.metadata!.namespace).list(),
      canAdopt: () => recheckOwner(() => this.client.resource(kind).get(owner.metadata!.name, owner.metadata!.namespace), owner, kind.kind),
      adopt: (r) => this.api.update(withControllerRef(r, owner, kind)),
      release: (r) => this.api.update(withoutOwner(r, owner.metadata!.uid)),
    });
    if (errors.length > 0) throw errors[0];
    return sortRevisions(claimed);
  }

  async create(
    owner: KubeObject,
    kind: KindInfo<any>,
    template: PodTemplateSpec | undefined,
    revision: number,
    collisionCount?: number,
  ): Promise<{ revision: ControllerRevision; collisionCount?: number }> {
    // Unset (no salt) differs from 0, as Kubernetes' *int32; the first collision makes it 1.
    for (let count = collisionCount; ; count = (count ?? 0) + 1) {
      const rev = newRevision(owner, kind, template, revision, count);
      try {
        return { revision: await this.api.create(rev), collisionCount: count };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = await this.api.get(rev.metadata!.name, rev.metadata!.namespace);
        if (getControllerOf(existing)?.uid === owner.metadata!.uid && equalRevision(existing, rev)) {
          return { revision: existing, collisionCount: count };
        }
      }
    }
  }

  async setRevision(rev: ControllerRevision, n: number): Promise<ControllerRevision> {
    if (rev.revision === n) return rev;
    const next = structuredClone(rev);
    next.revision = n;
    return this.api.update(next);
  }

  /**
   * Deletes the oldest of `candidates` (sorted ascending) until `limit` would remain, skipping
   * those `isLive` says pods still use; resolves to the names deleted.
   */
  async truncate(candidates: readonly ControllerRevision[], limit: number, isLive: (r: ControllerRevision) => boolean): Promise<string[]> {
    let toKill = candidates.length - limit;
    const deleted: string[] = [];
    for (const r of candidates) {
      if (toKill <= 0) break;
      if (isLive(r)) continue;
      try {
        await this.api.delete(r.metadata!.name, { namespace: r.metadata!.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      deleted.push(r.metadata!.name);
      toKill--;
    }
    return deleted;
  }
}
