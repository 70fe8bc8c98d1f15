// The discovery documents of Kubernetes' apiserver, from the discovery model (resources.ts):
// legacy /api (APIVersions), /apis (APIGroupList), /apis/<group> (APIGroup), /api/v1 and
// /apis/<group>/<version> (APIResourceList), and the aggregated discovery kubectl asks for first
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList at /api and /apis, k8s.io/apiserver's
// endpoints/discovery/aggregated), chosen by the Accept header; a client that does not ask for
// the aggregated shape gets the legacy document as application/json.
import { parseAccept, allowsJson, withETag } from './accept';
import { jsonResponse, type DocumentResponse } from './response';
import type { DiscoveredGroupVersion, DiscoveredResource } from './resources';

export interface DiscoveryOptions {
  /** host:port clients reach this apiserver at (APIVersions' serverAddressByClientCIDRs). */
  serverAddress?: string;
}

const AGGREGATED_VERSIONS = ['v2', 'v2beta1'] as const;

/** The aggregated discovery version the Accept header asks for first, if any. */
export function aggregatedVersion(accept: string | undefined): (typeof AGGREGATED_VERSIONS)[number] | undefined {
  for (const m of parseAccept(accept)) {
    if (!allowsJson(m) || m.params.g !== 'apidiscovery.k8s.io' || m.params.as !== 'APIGroupDiscoveryList') continue;
    const v = AGGREGATED_VERSIONS.find((x) => x === m.params.v);
    if (v) return v;
  }
  return undefined;
}

function groupVersionRef(gv: DiscoveredGroupVersion) {
  return { groupVersion: gv.groupVersion, version: gv.version };
}

/** The group-versions of `gvs` by group, in order; a group's first version is its preferred one (Kubernetes lists autoscaling's v2 before v1). */
export function byGroup(gvs: DiscoveredGroupVersion[]): DiscoveredGroupVersion[][] {
  const groups = new Map<string, DiscoveredGroupVersion[]>();
  for (const gv of gvs) groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv]);
  return [...groups.values()];
}

function apiGroup(versions: DiscoveredGroupVersion[]) {
  return { name: versions[0].group, versions: versions.map(groupVersionRef), preferredVersion: groupVersionRef(versions[0]) };
}

/** metav1.APIResource entries of one resource: the resource, then "<resource>/<subresource>" for each subresource. */
export function apiResources(gv: DiscoveredGroupVersion, r: DiscoveredResource) {
  const main = {
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.storageVersionHash ? { storageVersionHash: r.storageVersionHash } : {}),
  };
  const subs = r.subresources.map((s) => {
    const other = s.responseKind.group !== gv.group || s.responseKind.version !== gv.version;
    return {
      name: `${r.resource}/${s.name}`,
      singularName: '',
      namespaced: r.namespaced,
      ...(other ? { group: s.responseKind.group, version: s.responseKind.version } : {}),
      kind: s.responseKind.kind,
      verbs: s.verbs,
    };
  });
  return [main, ...subs];
}

/** metav1.APIResourceList; kube-apiserver writes no apiVersion in the core group's (/api/v1). */
export function apiResourceList(gv: DiscoveredGroupVersion) {
  return { kind: 'APIResourceList', ...(gv.group ? { apiVersion: 'v1' } : {}), groupVersion: gv.groupVersion, resources: gv.resources.flatMap((r) => apiResources(gv, r)) };
}

/** apidiscovery.k8s.io APIResourceDiscovery of one resource. */
export function resourceDiscovery(gv: DiscoveredGroupVersion, r: DiscoveredResource) {
  return {
    resource: r.resource,
    responseKind: { group: gv.group, version: gv.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length ? { subresources: r.subresources.map((s) => ({ subresource: s.name, responseKind: s.responseKind, verbs: s.verbs })) } : {}),
  };
}

export function groupDiscoveryList(gvs: DiscoveredGroupVersion[], version: string) {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: byGroup(gvs).map((versions) => ({
      metadata: { ...(versions[0].group ? { name: versions[0].group } : {}), creationTimestamp: null },
      versions: versions.map((gv) => ({ version: gv.version, resources: gv.resources.map((r) => resourceDiscovery(gv, r)), freshness: 'Current' })),
    })),
  };
}

/** Builds each discovery document once and answers discovery paths from the cache. */
export class DiscoveryDocuments {
  private readonly cache = new Map<string, DocumentResponse | undefined>();

  constructor(
    private readonly model: DiscoveredGroupVersion[],
    private readonly opts: DiscoveryOptions = {},
  ) {}

  /** The answer for GET `path` with `accept`, or undefined when `path` is not a discovery document. */
  serve(path: string, accept: string | undefined, ifNoneMatch?: string): DocumentResponse | undefined {
    const p = path.replace(/\/+$/, '') || '/';
    const aggregated = p === '/api' || p === '/apis' ? aggregatedVersion(accept) : undefined;
    const key = `${p} ${aggregated ?? ''}`;
    if (!this.cache.has(key)) this.cache.set(key, this.build(p, aggregated));
    const res = this.cache.get(key);
    return res && withETag(res, ifNoneMatch);
  }

  private build(p: string, aggregated: string | undefined): DocumentResponse | undefined {
    const core = this.model.filter((gv) => gv.group === '');
    const groups = this.model.filter((gv) => gv.group !== '');
    if (aggregated) {
      const doc = groupDiscoveryList(p === '/api' ? core : groups, aggregated);
      return jsonResponse(doc, 200, `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`);
    }
    if (p === '/api') {
      const addresses = this.opts.serverAddress ? [{ clientCIDR: '0.0.0.0/0', serverAddress: this.opts.serverAddress }] : [];
      return jsonResponse({ kind: 'APIVersions', versions: core.map((gv) => gv.version), serverAddressByClientCIDRs: addresses });
    }
    if (p === '/apis') return jsonResponse({ kind: 'APIGroupList', apiVersion: 'v1', groups: byGroup(groups).map(apiGroup) });
    for (const versions of byGroup(groups)) if (p === `/apis/${versions[0].group}`) return jsonResponse({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(versions) });
    for (const gv of this.model) {
      const base = gv.group ? `/apis/${gv.group}` : '/api';
      if (p === `${base}/${gv.version}`) return jsonResponse(apiResourceList(gv));
    }
    return undefined;
  }
}
