import { strict as assert } from 'node:assert';
import { API_GROUPS, KIND_DECLARATIONS, resourceOf, type KindDeclaration } from '../../../../lib/api/kind-declarations';
import { createDocumentHandler, type DocumentRequest } from '../../../../services/apiserver/http/documents';
import { storageVersionHash } from '../../../../services/apiserver/http/discovery/resources';
import { storageHealthChecks } from '../../../../services/apiserver/http/discovery/health';
import { tableRequested } from '../../../../services/apiserver/http/documents';

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

function requester(declarations?: readonly KindDeclaration[]) {
  const handle = createDocumentHandler({ declarations, serverAddress: '10.0.0.1:6444' });
  return async (path: string, accept?: string, extra: Partial<DocumentRequest> = {}) => {
    const [p, q] = path.split('?');
    const res = await handle({ path: p, query: new URLSearchParams(q ?? ''), accept, ...extra });
    assert.ok(res, `${path} is a document`);
    return { ...res, json: () => JSON.parse(res.body.toString()) };
  };
}

/** Every legacy APIResource of every group/version, by "<groupVersion> <name>". */
async function legacyResources(get: ReturnType<typeof requester>) {
  const all = new Map<string, any>();
  const gvs = ['v1', ...(await get('/apis')).json().groups.map((g: any) => g.preferredVersion.groupVersion)];
  for (const gv of gvs) {
    const list = (await get(gv === 'v1' ? '/api/v1' : `/apis/${gv}`)).json();
    assert.equal(list.kind, 'APIResourceList');
    assert.equal(list.groupVersion, gv);
    for (const r of list.resources) all.set(`${gv} ${r.name}`, r);
  }
  return all;
}

describe('discovery documents', () => {
  const get = requester();

  it('lists every declared kind with its verbs, short names, categories and subresources (legacy documents)', async () => {
    const all = await legacyResources(get);
    for (const d of KIND_DECLARATIONS) {
      const g = API_GROUPS[d.apiGroup];
      const gv = g.group ? `${g.group}/${g.version}` : g.version;
      const r = all.get(`${gv} ${resourceOf(d)}`);
      assert.ok(r, `${d.kind} is in ${gv}`);
      assert.equal(r.kind, d.kind);
      assert.equal(r.singularName, d.kind.toLowerCase());
      assert.equal(r.namespaced, d.namespaced);
      // The metrics API's resources: what metrics-server lists, get and list.
      assert.deepEqual(r.verbs, d.ephemeral ? ['get', 'list'] : ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
      assert.deepEqual(r.shortNames ?? [], [...d.shortNames]);
      assert.deepEqual(r.categories ?? [], [...(d.categories ?? [])]);
      assert.equal(r.storageVersionHash, storageVersionHash(g.group, g.version, d.kind));
      assert.equal(all.has(`${gv} ${resourceOf(d)}/status`), d.status, `${d.kind} status subresource`);
    }
    assert.deepEqual(all.get('v1 pods/binding'), { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
    assert.deepEqual(all.get('v1 pods/status').verbs, ['get', 'patch', 'update']);
    assert.deepEqual(all.get('v1 pods/log').verbs, ['get']);
    assert.deepEqual(all.get('apps/v1 deployments/scale'), { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    assert.equal(all.get('v1 serviceaccounts/token').kind, 'TokenRequest');
    assert.deepEqual(all.get('apps/v1 deployments').categories, ['all']);
    // Kubernetes' own hash of v1 ConfigMap.
    assert.equal(all.get('v1 configmaps').storageVersionHash, 'qFsyl6wFWjQ=');
  });

  it('answers /api, /apis and /apis/<group> as Kubernetes does', async () => {
    assert.equal((await get('/api/v1')).json().apiVersion, undefined);
    assert.equal((await get('/apis/apps/v1')).json().apiVersion, 'v1');
    const api = await get('/api', 'application/json');
    assert.equal(api.contentType, 'application/json');
    assert.deepEqual(api.json(), { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6444' }] });
    const apis = (await get('/apis')).json();
    assert.equal(apis.kind, 'APIGroupList');
    assert.deepEqual(
      apis.groups.map((g: any) => g.name).sort(),
      [...Object.values(API_GROUPS).map((g) => g.group), 'authentication.k8s.io', 'authorization.k8s.io'].filter(Boolean).sort(),
    );
    assert.deepEqual((await get('/apis/apps')).json(), {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
  });

  it('lists autoscaling/v1, served by conversion, after the preferred autoscaling/v2, as Kubernetes does', async () => {
    const v2 = { groupVersion: 'autoscaling/v2', version: 'v2' };
    const v1 = { groupVersion: 'autoscaling/v1', version: 'v1' };
    const group = { name: 'autoscaling', versions: [v2, v1], preferredVersion: v2 };
    assert.deepEqual((await get('/apis')).json().groups.find((g: any) => g.name === 'autoscaling'), group);
    assert.deepEqual((await get('/apis/autoscaling')).json(), { kind: 'APIGroup', apiVersion: 'v1', ...group });
    const list = (await get('/apis/autoscaling/v1')).json();
    assert.equal(list.groupVersion, 'autoscaling/v1');
    assert.deepEqual(
      list.resources.map((r: any) => [r.name, r.kind, r.shortNames, r.categories, r.verbs.length]),
      [
        ['horizontalpodautoscalers', 'HorizontalPodAutoscaler', ['hpa'], ['all'], 8],
        ['horizontalpodautoscalers/status', 'HorizontalPodAutoscaler', undefined, undefined, 3],
      ],
    );
    // The storage version's hash, whatever version is asked.
    assert.equal(list.resources[0].storageVersionHash, storageVersionHash('autoscaling', 'v2', 'HorizontalPodAutoscaler'));
    const aggregated = (await get('/apis', AGGREGATED)).json().items.find((i: any) => i.metadata.name === 'autoscaling');
    assert.deepEqual(aggregated.versions.map((v: any) => v.version), ['v2', 'v1']);
    const hpa = aggregated.versions[1].resources[0];
    assert.deepEqual([hpa.resource, hpa.responseKind, hpa.shortNames, hpa.subresources], [
      'horizontalpodautoscalers',
      { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
      ['hpa'],
      [{ subresource: 'status', responseKind: { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' }, verbs: ['get', 'patch', 'update'] }],
    ]);
  });

  it('serves the aggregated apidiscovery.k8s.io/v2 documents to a client that asks for them first', async () => {
    const core = await get('/api', AGGREGATED);
    assert.equal(core.contentType, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const doc = core.json();
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
    assert.equal(doc.items.length, 1);
    const pods = doc.items[0].versions[0].resources.find((r: any) => r.resource === 'pods');
    assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(pods.scope, 'Namespaced');
    assert.equal(pods.singularResource, 'pod');
    assert.deepEqual(pods.shortNames, ['po']);
    assert.deepEqual(pods.categories, ['all']);
    assert.deepEqual(
      pods.subresources.map((s: any) => s.subresource),
      ['attach', 'binding', 'eviction', 'exec', 'log', 'portforward', 'status'],
    );
    const groups = (await get('/apis', AGGREGATED)).json();
    const apps = groups.items.find((i: any) => i.metadata.name === 'apps');
    const deploy = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
    assert.deepEqual(
      deploy.subresources.find((s: any) => s.subresource === 'scale'),
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
    );
    assert.equal(apps.versions[0].freshness, 'Current');
    // v2beta1 alone gets the same shape under its own version.
    assert.equal((await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList')).json().apiVersion, 'apidiscovery.k8s.io/v2beta1');
  });

  it('lists the access reviews the apiserver serves as Kubernetes does: create only, cluster-scoped, nothing stored', async () => {
    const all = await legacyResources(get);
    const review = (name: string, kind: string) => ({ name, singularName: name.slice(0, -1), namespaced: false, kind, verbs: ['create'] });
    assert.deepEqual(all.get('authentication.k8s.io/v1 selfsubjectreviews'), review('selfsubjectreviews', 'SelfSubjectReview'));
    assert.deepEqual(all.get('authorization.k8s.io/v1 selfsubjectaccessreviews'), review('selfsubjectaccessreviews', 'SelfSubjectAccessReview'));
    assert.deepEqual(all.get('authorization.k8s.io/v1 selfsubjectrulesreviews'), review('selfsubjectrulesreviews', 'SelfSubjectRulesReview'));
    assert.deepEqual(all.get('authorization.k8s.io/v1 subjectaccessreviews'), review('subjectaccessreviews', 'SubjectAccessReview'));
    // Kite serves no TokenReview nor LocalSubjectAccessReview, so discovery does not list them.
    assert.equal([...all.keys()].filter((k) => k.endsWith('reviews')).length, 4);
    assert.deepEqual((await get('/apis/authorization.k8s.io')).json().preferredVersion, { groupVersion: 'authorization.k8s.io/v1', version: 'v1' });
    const groups = (await get('/apis', AGGREGATED)).json();
    const authz = groups.items.find((i: any) => i.metadata.name === 'authorization.k8s.io');
    assert.deepEqual(authz.versions[0].resources.find((r: any) => r.resource === 'selfsubjectaccessreviews'), {
      resource: 'selfsubjectaccessreviews',
      responseKind: { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview' },
      scope: 'Cluster',
      singularResource: 'selfsubjectaccessreview',
      verbs: ['create'],
    });
    const authn = groups.items.find((i: any) => i.metadata.name === 'authentication.k8s.io');
    assert.deepEqual(authn.versions[0].resources.map((r: any) => r.resource), ['selfsubjectreviews']);
    // OpenAPI has their create operations and schemas under Kubernetes' names, as kube-apiserver's documents.
    const v3 = (await get('/openapi/v3/apis/authorization.k8s.io/v1')).json();
    assert.deepEqual(Object.keys(v3.paths).sort(), ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews'].map((r) => `/apis/authorization.k8s.io/v1/${r}`));
    const post = v3.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'].post;
    assert.equal(post.operationId, 'createAuthorizationV1SelfSubjectAccessReview');
    assert.deepEqual(post['x-kubernetes-group-version-kind'], { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview' });
    assert.ok(v3.components.schemas['io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec'].properties.resourceAttributes);
    const whoami = (await get('/openapi/v3/apis/authentication.k8s.io/v1')).json();
    assert.equal(whoami.paths['/apis/authentication.k8s.io/v1/selfsubjectreviews'].post.operationId, 'createAuthenticationV1SelfSubjectReview');
    assert.deepEqual(whoami.components.schemas['io.k8s.api.authentication.v1.SelfSubjectReview']['x-kubernetes-group-version-kind'], [{ group: 'authentication.k8s.io', kind: 'SelfSubjectReview', version: 'v1' }]);
    assert.ok((await get('/openapi/v2')).json().paths['/apis/authorization.k8s.io/v1/subjectaccessreviews'].post);
  });

  it('answers 304 to a client holding the current ETag', async () => {
    const first = await get('/apis', AGGREGATED);
    const etag = first.headers!.ETag;
    assert.match(etag, /^"[0-9A-F]{128}"$/);
    const again = await get('/apis', AGGREGATED, { ifNoneMatch: etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  it('serves a kind added to the declarations with no other change', async () => {
    const widget: KindDeclaration = { kind: 'Widget', plural: 'Widgets', apiGroup: 'apps', namespaced: false, status: true, scale: true, shortNames: ['wd'], categories: ['all'] };
    const get2 = requester([...KIND_DECLARATIONS, widget]);
    const r = (await legacyResources(get2)).get('apps/v1 widgets');
    assert.deepEqual(r.shortNames, ['wd']);
    assert.equal(r.namespaced, false);
    const agg = (await get2('/apis', AGGREGATED)).json();
    const w = agg.items.find((i: any) => i.metadata.name === 'apps').versions[0].resources.find((x: any) => x.resource === 'widgets');
    assert.equal(w.scope, 'Cluster');
    assert.deepEqual(
      w.subresources.map((s: any) => s.subresource),
      ['scale', 'status'],
    );
    const v3 = (await get2('/openapi/v3/apis/apps/v1')).json();
    assert.ok(v3.paths['/apis/apps/v1/widgets/{name}/scale'].patch);
  });

  it('drops a group left without kinds', async () => {
    const get2 = requester(KIND_DECLARATIONS.filter((d) => d.apiGroup !== 'coordination'));
    const groups = (await get2('/apis')).json().groups.map((g: any) => g.name);
    assert.ok(!groups.includes('coordination.k8s.io'));
    assert.equal(Object.keys((await get2('/openapi/v3')).json().paths).includes('apis/coordination.k8s.io/v1'), false);
  });
});

describe('version and health documents', () => {
  const get = requester();

  it('/version is version.Info claiming Kubernetes 1.32 with Kite in the build metadata', async () => {
    const v = (await get('/version')).json();
    assert.deepEqual(Object.keys(v), ['major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform']);
    assert.equal(v.major, '1');
    assert.equal(v.minor, '32');
    assert.match(v.gitVersion, /^v1\.32\.0\+kite\.\d+\.\d+\.\d+$/);
    assert.match(v.platform, /^[a-z0-9]+\/[a-z0-9]+$/);
  });

  it('/healthz, /livez and /readyz answer ok, and list their checks with ?verbose', async () => {
    for (const e of ['healthz', 'livez', 'readyz']) {
      const r = await get(`/${e}`);
      assert.equal(r.status, 200);
      assert.equal(r.body, 'ok');
      assert.equal(r.contentType, 'text/plain; charset=utf-8');
      assert.equal((await get(`/${e}?verbose`)).body, `[+]ping ok\n${e} check passed\n`);
      assert.equal((await get(`/${e}/ping`)).body, 'ok');
    }
  });

  it('a failing check fails the endpoint with its reason withheld, unless excluded', async () => {
    const handle = createDocumentHandler({ healthChecks: [{ name: 'etcd', check: () => Promise.reject(new Error('store down')) }] });
    const ask = (path: string, q = '') => handle({ path, query: new URLSearchParams(q) });
    const r = (await ask('/readyz'))!;
    assert.equal(r.status, 500);
    assert.equal(r.body, '[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n');
    assert.equal((await ask('/readyz', 'exclude=etcd&verbose'))!.body, '[+]ping ok\n[+]etcd excluded: ok\nreadyz check passed\n');
    assert.equal((await ask('/livez/etcd'))!.status, 500);
  });

  it('checks the store as etcd on every endpoint and as etcd-readiness on /readyz only, a silent store failing in time', async () => {
    let answer: Promise<void> = Promise.resolve();
    let clock = 0;
    const handle = createDocumentHandler({ healthChecks: storageHealthChecks({ check: () => answer }, 50, () => clock) });
    const ask = (path: string, q = '') => handle({ path, query: new URLSearchParams(q) });
    assert.equal((await ask('/livez', 'verbose'))!.body, '[+]ping ok\n[+]etcd ok\nlivez check passed\n');
    assert.equal((await ask('/readyz', 'verbose'))!.body, '[+]ping ok\n[+]etcd ok\n[+]etcd-readiness ok\nreadyz check passed\n');
    assert.equal(await ask('/livez/etcd-readiness'), undefined);
    answer = new Promise(() => undefined);
    clock += 25;
    const r = (await ask('/readyz'))!;
    assert.equal(r.status, 500);
    assert.equal(r.body, '[+]ping ok\n[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\nreadyz check failed\n');
    answer = Promise.reject(new Error('database is closed'));
    answer.catch(() => undefined);
    clock += 25;
    assert.equal((await ask('/healthz/etcd'))!.status, 500);
  });

  it('reads the store for each check at most once per half its timeout, as kube-apiserver rate-limits its etcd checks; calls in between share the answer', async () => {
    let reads = 0;
    let answer: Promise<void> = Promise.resolve();
    let clock = 1000;
    const handle = createDocumentHandler({ healthChecks: storageHealthChecks({ check: () => (reads++, answer) }, 2000, () => clock) });
    const ask = (path: string) => handle({ path, query: new URLSearchParams() });
    for (let i = 0; i < 3; i++) assert.equal((await ask('/readyz'))!.status, 200);
    await ask('/livez');
    assert.equal(reads, 2, 'one read for etcd, one for etcd-readiness');
    answer = Promise.reject(new Error('database is closed'));
    answer.catch(() => undefined);
    clock += 999;
    assert.equal((await ask('/readyz'))!.status, 200, 'the latest answer within the second');
    assert.equal(reads, 2);
    clock += 1;
    assert.equal((await ask('/readyz'))!.status, 500);
    assert.equal(reads, 4);
  });

  it('leaves other paths to the resource routes', async () => {
    const handle = createDocumentHandler();
    for (const p of ['/api/v1/pods', '/apis/apps/v1/namespaces/default/deployments', '/apis/nothing.example.com/v1', '/openapi/v3/apis/nothing/v1'])
      assert.equal(await handle({ path: p, query: new URLSearchParams() }), undefined, p);
  });
});

describe('server-side printing negotiation', () => {
  it('asks for a Table when the Accept header puts meta.k8s.io Table before plain JSON, as kubectl get does', () => {
    assert.ok(tableRequested('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'));
    assert.ok(tableRequested('application/json;as=Table;v=v1beta1;g=meta.k8s.io'));
    assert.ok(!tableRequested('application/json'));
    assert.ok(!tableRequested(undefined));
    assert.ok(!tableRequested('application/json, application/json;as=Table;v=v1;g=meta.k8s.io'));
    assert.ok(!tableRequested('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'));
  });
});
