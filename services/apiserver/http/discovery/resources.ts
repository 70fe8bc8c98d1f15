// What discovery says about each kind, derived from the kind declarations alone
// (lib/api/kind-declarations.ts): its resource and singular names, scope, verbs, short names,
// categories and subresources, grouped by group/version in the order the groups are declared.
// The legacy documents (/api/v1, /apis/<group>/v1) and the aggregated ones (apidiscovery.k8s.io/v2)
// both render this model, so a kind declared later is discovered with no extra work. Beside the
// kinds, discovery lists the access reviews the apiserver serves (review-handler.ts), as
// Kubernetes lists them: create only, cluster-scoped, nothing stored.
import { createHash } from 'node:crypto';
import { API_GROUPS, KIND_DECLARATIONS, kindMethods, resourceOf, type KindDeclaration, type Verb } from '../../../../lib/api/kind-declarations';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface SubresourceModel {
  /** "status", "scale", "binding", "eviction", "log", "exec", "token". */
  name: string;
  /** The kind the subresource reads and writes (autoscaling/v1 Scale for scale). */
  responseKind: GroupVersionKind;
  verbs: string[];
}

export interface ResourceModel {
  /** "pods" */
  resource: string;
  /** "pod" */
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  storageVersionHash: string;
  subresources: SubresourceModel[];
  declaration: KindDeclaration;
}

export interface GroupVersionModel {
  /** "" for the core group. */
  group: string;
  version: string;
  /** "v1", "apps/v1". */
  groupVersion: string;
  resources: ResourceModel[];
}

/** What discovery lists of a resource: a kind's, or a review's (no declaration, nothing stored so no storageVersionHash). */
export type DiscoveredResource = Omit<ResourceModel, 'declaration' | 'storageVersionHash'> & { declaration?: KindDeclaration; storageVersionHash?: string };

export interface DiscoveredGroupVersion extends Omit<GroupVersionModel, 'resources'> {
  resources: DiscoveredResource[];
}

/**
 * The reviews review-handler.ts serves (Kubernetes' selfsubjectreviews, selfsubjectaccessreviews,
 * selfsubjectrulesreviews, subjectaccessreviews; Kite has no tokenreviews nor
 * localsubjectaccessreviews), by group in the order Kubernetes lists the groups.
 */
const REVIEWS: Record<string, string[]> = {
  'authentication.k8s.io': ['SelfSubjectReview'],
  'authorization.k8s.io': ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
};

/** The verbs of kubectl's discovery for each of the <Kind>Service's verbs (Kite's names differ for subresources). */
const RESOURCE_VERBS: Partial<Record<Verb, string>> = { create: 'create', get: 'get', list: 'list', update: 'update', patch: 'patch', delete: 'delete', deleteCollection: 'deletecollection', watch: 'watch' };

/** Kubernetes' discovery.StorageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** What metrics-server's discovery lists for the metrics API's resources: it serves no watch and no writes. */
const EPHEMERAL_VERBS = ['get', 'list'];

function verbsOf(d: KindDeclaration): string[] {
  if (d.ephemeral) return EPHEMERAL_VERBS;
  return Object.keys(kindMethods(d))
    .map((v) => RESOURCE_VERBS[v as Verb])
    .filter((v): v is string => !!v)
    .sort();
}

function subresourcesOf(d: KindDeclaration, self: GroupVersionKind): SubresourceModel[] {
  const methods = kindMethods(d);
  const subs: SubresourceModel[] = [];
  if (methods.attach) subs.push({ name: 'attach', responseKind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] });
  if (methods.bind) subs.push({ name: 'binding', responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] });
  if (methods.evict) subs.push({ name: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] });
  if (methods.exec) subs.push({ name: 'exec', responseKind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] });
  if (methods.logs) subs.push({ name: 'log', responseKind: self, verbs: ['get'] });
  if (methods.portForward) subs.push({ name: 'portforward', responseKind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] });
  if (methods.getScale) subs.push({ name: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
  if (methods.updateStatus) subs.push({ name: 'status', responseKind: self, verbs: ['get', 'patch', 'update'] });
  if (methods.createToken) subs.push({ name: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] });
  return subs;
}

/** Discovery's model of `declarations` (all of Kite's by default), one entry per served group/version. */
export function discoveryModel(declarations: readonly KindDeclaration[] = KIND_DECLARATIONS): GroupVersionModel[] {
  const byGroup = new Map<string, GroupVersionModel>();
  // The core group first, as Kubernetes serves it apart (/api); then the groups in declaration order.
  const groups = Object.values(API_GROUPS).sort((a, b) => Number(a.group !== '') - Number(b.group !== ''));
  for (const g of groups) byGroup.set(g.group, { group: g.group, version: g.version, groupVersion: g.group ? `${g.group}/${g.version}` : g.version, resources: [] });
  for (const d of declarations) {
    const g = API_GROUPS[d.apiGroup];
    const gv = byGroup.get(g.group)!;
    const self = { group: g.group, version: g.version, kind: d.kind };
    gv.resources.push({
      resource: resourceOf(d),
      singular: d.kind.toLowerCase(),
      kind: d.kind,
      namespaced: d.namespaced,
      verbs: verbsOf(d),
      shortNames: [...d.shortNames],
      categories: [...(d.categories ?? [])],
      storageVersionHash: storageVersionHash(g.group, g.version, d.kind),
      subresources: subresourcesOf(d, self),
      declaration: d,
    });
  }
  for (const gv of byGroup.values()) gv.resources.sort((a, b) => a.resource.localeCompare(b.resource));
  return [...byGroup.values()].filter((gv) => gv.resources.length > 0);
}

/** A version of a kind served beside its stored one by conversion (../converted-versions.ts): "autoscaling/v1" horizontalpodautoscalers. */
export interface ConvertedResource {
  apiVersion: string;
  resource: string;
}

/**
 * `model` with a group-version for each version served by conversion, after its group's stored
 * (preferred) one, as Kubernetes lists a group's versions: the same resources named in the other
 * version (their own subresources answer in it, the scale subresource's Scale stays
 * autoscaling/v1's), with the storage version's hash, which is the same whatever version is asked.
 */
export function withConvertedVersions(model: GroupVersionModel[], converted: readonly ConvertedResource[]): GroupVersionModel[] {
  const out = [...model];
  for (const c of converted) {
    const [group, version] = c.apiVersion.split('/');
    const stored = model.find((gv) => gv.group === group);
    const resource = stored?.resources.find((r) => r.resource === c.resource);
    if (!stored || !resource) continue;
    const at = out.map((gv) => gv.group).lastIndexOf(group) + 1;
    const existing = out.find((gv) => gv.group === group && gv.version === version);
    const self = { group, version, kind: resource.kind };
    const subresources = resource.subresources.map((s) => (s.responseKind.group === group && s.responseKind.version === stored.version && s.responseKind.kind === resource.kind ? { ...s, responseKind: self } : s));
    const entry = { ...resource, subresources };
    if (existing) existing.resources = [...existing.resources, entry].sort((a, b) => a.resource.localeCompare(b.resource));
    else out.splice(at, 0, { group, version, groupVersion: c.apiVersion, resources: [entry] });
  }
  return out;
}

/** `model` with the review groups after apps, where Kubernetes lists authentication.k8s.io and authorization.k8s.io. */
export function withReviews(model: GroupVersionModel[]): DiscoveredGroupVersion[] {
  const reviews: DiscoveredGroupVersion[] = Object.entries(REVIEWS).map(([group, kinds]) => ({
    group,
    version: 'v1',
    groupVersion: `${group}/v1`,
    resources: kinds.map((kind) => ({
      resource: `${kind.toLowerCase()}s`,
      singular: kind.toLowerCase(),
      kind,
      namespaced: false,
      verbs: ['create'],
      shortNames: [],
      categories: [],
      subresources: [],
    })),
  }));
  const at = model.findIndex((gv) => gv.group === 'apps') + 1;
  return [...model.slice(0, at), ...reviews, ...model.slice(at)];
}
