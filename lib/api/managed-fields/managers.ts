// metadata.managedFields as k8s.io/apiserver's fieldmanager keeps them: one entry per manager,
// operation (Update, Apply), apiVersion and subresource, each the FieldsV1 set it owns.
// - An update (create, update, patch, status, scale) moves the fields it changed to the updater's
//   Update entry and drops fields it removed from every entry; entries left empty go.
// - An apply merges the applied configuration into the live object, removes fields this manager
//   applied before and no longer applies (unless another manager owns them), and fails with
//   Kubernetes' conflict error when it changes fields other managers own, unless forced, which
//   takes them over. The manager's Apply entry becomes exactly the fields it applied.
// - What a write may say about managedFields itself: nothing (the live entries stay), `[{}]`
//   (they are reset), or valid entries (they replace the live ones); invalid ones are ignored.
// - Beyond 10 Update entries, the oldest are merged into "ancient-changes".
import { ConflictError, type FieldCause } from '../errors';
import type { ManagedFieldsEntry } from '../../gen/kite/meta/v1/meta';
import { FieldSet, pathString } from './field-set';
import { appliedFields, changedFields, type Changes } from './object-fields';
import type { Shape } from './shape';
import { mergeApplied, removeFields } from './structured-merge';

export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource: string;
  /** Never changed once made: the operations below return new sets. */
  set: FieldSet;
  /** The entry as it was read, while its set and time are unchanged (written back as is). */
  encoded?: ManagedFieldsEntry;
}

/** Sets read recently, by their FieldsV1 text: the entries of an object written often are parsed once. */
const parsed = new Map<string, FieldSet>();
const PARSED_CACHE_SIZE = 4096;

function parseFieldsV1(text: string): FieldSet {
  let set = parsed.get(text);
  if (!set) {
    set = FieldSet.fromFieldsV1(JSON.parse(text || '{}'));
    if (parsed.size >= PARSED_CACHE_SIZE) parsed.clear();
    parsed.set(text, set);
  }
  return set;
}

/** Fields no manager owns (fieldmanager's stripMeta): identity and server-set metadata. */
const STRIPPED = FieldSet.fromFieldsV1({
  'f:apiVersion': {},
  'f:kind': {},
  'f:metadata': {
    'f:name': {},
    'f:namespace': {},
    'f:creationTimestamp': {},
    'f:selfLink': {},
    'f:uid': {},
    'f:generation': {},
    'f:managedFields': {},
    'f:resourceVersion': {},
    'f:deletionTimestamp': {},
    'f:deletionGracePeriodSeconds': {},
  },
});

const sameOwner = (a: ManagedEntry, b: Omit<ManagedEntry, 'set' | 'time'>) =>
  a.manager === b.manager && a.operation === b.operation && a.apiVersion === b.apiVersion && a.subresource === b.subresource;

/** The entries of metadata.managedFields; undefined if any is invalid (as DecodeManagedFields fails). */
export function decodeEntries(entries: readonly ManagedFieldsEntry[]): ManagedEntry[] | undefined {
  const out: ManagedEntry[] = [];
  for (const e of entries) {
    if (e.operation !== 'Apply' && e.operation !== 'Update') return undefined;
    if (e.fieldsType !== 'FieldsV1') return undefined;
    try {
      out.push({ manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, subresource: e.subresource, set: parseFieldsV1(e.fieldsV1), encoded: e });
    } catch {
      return undefined;
    }
    if (out.some((o, i) => i < out.length - 1 && sameOwner(o, out[out.length - 1]))) return undefined;
  }
  return out;
}

/** Kubernetes' order (sortEncodedManagedFields): Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeEntries(entries: readonly ManagedEntry[]): ManagedFieldsEntry[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return entries
    .filter((e) => !e.set.isEmpty())
    .sort((p, q) => cmp(p.operation, q.operation) || cmp(p.time, q.time) || cmp(p.manager, q.manager) || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource, q.subresource))
    .map((e) => e.encoded ?? { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: 'FieldsV1', fieldsV1: fieldsV1Of(e.set), subresource: e.subresource });
}

/** A set's FieldsV1 text, remembered as parsed: the next write of the object reads it back without parsing. */
function fieldsV1Of(set: FieldSet): string {
  const text = set.toFieldsV1();
  if (parsed.size >= PARSED_CACHE_SIZE) parsed.clear();
  parsed.set(text, set);
  return text;
}

const isResetEntry = (e: ManagedFieldsEntry) => !e.manager && !e.operation && !e.apiVersion && !e.time && !e.fieldsType && !e.fieldsV1 && !e.subresource;

/**
 * The entries a write starts from: the live ones, unless the main resource's write sets its own
 * (`[{}]` resets them to none; valid entries replace them; invalid ones are ignored).
 */
export function baseEntries(live: readonly ManagedFieldsEntry[], given: readonly ManagedFieldsEntry[], subresource: string): ManagedEntry[] {
  const fromLive = () => decodeEntries(live) ?? [];
  if (subresource || given.length === 0 || given === live) return fromLive();
  if (given.length === 1 && isResetEntry(given[0])) return [];
  return decodeEntries(given) ?? fromLive();
}

export interface Writer {
  manager: string;
  apiVersion: string;
  subresource: string;
  /** RFC 3339, seconds: the time recorded when the writer's fields change. */
  now: string;
}

/** Entries after an update that made `changes`: changed fields move to the writer's Update entry, removed fields leave every entry. */
export function recordUpdate(entries: readonly ManagedEntry[], changes: Changes, w: Writer): ManagedEntry[] {
  const changed = changes.changed.difference(STRIPPED);
  const removed = changes.removed.difference(STRIPPED);
  if (changed.isEmpty() && removed.isEmpty()) return [...entries];
  const key = { manager: w.manager, operation: 'Update' as const, apiVersion: w.apiVersion, subresource: w.subresource };
  const touched = changed.union(removed);
  const out: ManagedEntry[] = [];
  let own: ManagedEntry | undefined;
  for (const e of entries) {
    if (sameOwner(e, key)) own = e;
    // An entry the write did not touch is kept as it was read (the common case: a status update).
    else out.push(e.set.intersection(touched).isEmpty() ? e : { ...e, set: e.set.difference(touched), encoded: undefined });
  }
  const time = changed.isEmpty() && own ? own.time : w.now;
  if (own && changed.difference(own.set).isEmpty() && own.set.intersection(removed).isEmpty()) {
    // The writer already owns what it changed: only its time moves.
    out.push({ ...own, time, encoded: own.encoded && { ...own.encoded, time } });
  } else {
    out.push({ ...key, time, set: (own?.set ?? new FieldSet()).union(changed).difference(removed) });
  }
  return capUpdateManagers(out.filter((e) => !e.set.isEmpty()));
}

/** How many Update entries an object keeps (DefaultMaxUpdateManagers), and where older ones go. */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES = 'ancient-changes';

/**
 * capManagersManager: beyond MAX_UPDATE_MANAGERS Update entries, the oldest (by time, then
 * manager) are merged, per apiVersion, into one "ancient-changes" entry until MAX_UPDATE_MANAGERS
 * are left.
 */
export function capUpdateManagers(entries: ManagedEntry[], max = MAX_UPDATE_MANAGERS): ManagedEntry[] {
  const updaters = entries.filter((e) => e.operation === 'Update');
  if (updaters.length <= max) return entries;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  updaters.sort((a, b) => cmp(a.time, b.time) || cmp(a.manager, b.manager) || cmp(a.subresource, b.subresource));
  let out = [...entries];
  const firstOf = new Map<string, ManagedEntry>();
  for (let i = 0, length = updaters.length; i < updaters.length && length > max; i++) {
    const e = updaters[i];
    const first = firstOf.get(e.apiVersion);
    if (!first) {
      firstOf.set(e.apiVersion, e);
      continue;
    }
    const key = { manager: ANCIENT_CHANGES, operation: 'Update' as const, apiVersion: e.apiVersion, subresource: '' };
    let bucket = out.find((x) => sameOwner(x, key));
    if (!bucket) {
      bucket = { ...key, time: first.time, set: first.set };
      out = out.filter((x) => x !== first);
      out.push(bucket);
    }
    // The bucket takes the time of the update merged into it, the more recent.
    const merged: ManagedEntry = { ...key, time: e.time, set: bucket.set.union(e.set) };
    out = out.filter((x) => x !== e && x !== bucket);
    out.push(merged);
    length--;
  }
  return out;
}

export interface ApplyResult {
  /** The live object with the configuration merged in and the fields no longer applied removed. */
  object: unknown;
  entries: ManagedEntry[];
}

/**
 * An apply of `applied` (Kubernetes' JSON) by `w.manager` to `live` (undefined: the object is being
 * created). Conflicts with other managers' fields throw Kubernetes' 409 unless `force`; conflicts
 * on `allowed` fields only are taken over as if forced (lastAppliedManager's client-side apply upgrade).
 */
export function apply(live: unknown, applied: unknown, entries: readonly ManagedEntry[], shape: Shape, w: Writer, force: boolean, allowed?: FieldSet): ApplyResult {
  const key = { manager: w.manager, operation: 'Apply' as const, apiVersion: w.apiVersion, subresource: w.subresource };
  const appliedSet = appliedFields(applied, shape).difference(STRIPPED);
  const previous = entries.find((e) => sameOwner(e, key));
  const others = entries.filter((e) => e !== previous);
  let object = mergeApplied(live ?? {}, applied, shape);
  if (previous) {
    const kept = others.reduce((acc, e) => acc.union(e.set), appliedSet);
    object = removeFields(object, removable(previous.set.difference(kept), kept), shape);
  }
  const diff = changedFields(live ?? {}, object, shape);
  const touched = diff.changed.union(diff.removed).difference(STRIPPED);
  const conflicts: { entry: ManagedEntry; set: FieldSet }[] = [];
  for (const e of others) {
    const set = e.set.intersection(touched);
    if (!set.isEmpty()) conflicts.push({ entry: e, set });
  }
  if (conflicts.length && !force) {
    const left = conflicts.map((c) => ({ entry: c.entry, set: c.set.difference(allowed) })).filter((c) => !c.set.isEmpty());
    if (left.length) throw conflictError(left);
  }
  const out: ManagedEntry[] = others.map((e) => {
    const c = conflicts.find((x) => x.entry === e);
    return c ? { ...e, set: e.set.difference(c.set), encoded: undefined } : e;
  });
  const unchanged = previous && touched.isEmpty() && previous.set.difference(appliedSet).isEmpty() && appliedSet.difference(previous.set).isEmpty();
  out.push(unchanged ? previous : { ...key, time: w.now, set: appliedSet });
  return { object, entries: capUpdateManagers(out.filter((e) => !e.set.isEmpty())) };
}

/**
 * What of `remove` may go: a map, struct or list item stays while fields below it are still
 * applied or owned (`kept`), only its own fields go (structured-merge-diff's addBackDanglingItems).
 */
function removable(remove: FieldSet, kept: FieldSet | undefined): FieldSet {
  const out = new FieldSet();
  out.member = remove.member && !(kept && [...kept.children.values()].some((c) => !c.isEmpty()));
  for (const [e, c] of remove.children) {
    const r = removable(c, kept?.children.get(e));
    if (!r.isEmpty()) out.setChild(e, r);
  }
  return out;
}

/** printManager: `"name"`, `with subresource "scale"`, and `using <apiVersion>` for an Update. */
function managerText(e: ManagedEntry): string {
  let text = JSON.stringify(e.manager);
  if (e.subresource) text += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${text} using ${e.apiVersion}` : text;
}

/** The error NewConflictError builds: the message kubectl prints, a FieldManagerConflict cause per field. */
function conflictError(conflicts: { entry: ManagedEntry; set: FieldSet }[]): ConflictError {
  const all = conflicts.flatMap((c) => c.set.paths().map((p) => ({ manager: managerText(c.entry), path: pathString(p) })));
  const causes: FieldCause[] = all.map((c) => ({ reason: 'FieldManagerConflict', field: c.path, message: `conflict with ${c.manager}` }));
  if (all.length === 1) return new ConflictError(`Apply failed with 1 conflict: conflict with ${all[0].manager}: ${all[0].path}`, causes);
  const managers = [...new Set(all.map((c) => c.manager))].sort();
  const lines = managers.flatMap((m) => [`conflicts with ${m}:`, ...all.filter((c) => c.manager === m).map((c) => `- ${c.path}`)]);
  return new ConflictError(`Apply failed with ${all.length} conflicts: ${lines.join('\n')}`, causes);
}
