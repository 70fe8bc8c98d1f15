import { strict as assert } from 'node:assert';
import * as protobuf from 'protobufjs';
import { API_GROUPS, KIND_DECLARATIONS } from '../../../../lib/api/kind-declarations';
import { createDocumentHandler } from '../../../../services/apiserver/http/documents';
import { toV3Schema } from '../../../../services/apiserver/http/openapi/openapi';

const handle = createDocumentHandler();
async function get(path: string, accept?: string, ifNoneMatch?: string) {
  const [p, q] = path.split('?');
  const res = await handle({ path: p, query: new URLSearchParams(q ?? ''), accept, ifNoneMatch });
  assert.ok(res, `${path} is a document`);
  return res;
}
const json = async (path: string) => JSON.parse((await get(path)).body.toString());

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

describe('OpenAPI v2', () => {
  let doc: any;
  before(async () => {
    doc = await json('/openapi/v2');
  });

  it('names definitions as Kubernetes does, with the group-version-kind of every kind', () => {
    assert.equal(doc.swagger, '2.0');
    for (const d of KIND_DECLARATIONS) {
      const g = API_GROUPS[d.apiGroup];
      const name = `io.k8s.api.${g.protoPackage.split('.')[1]}.${g.version}.${d.kind}`;
      assert.deepEqual(doc.definitions[name]?.['x-kubernetes-group-version-kind'], [{ group: g.group, kind: d.kind, version: g.version }], name);
      assert.ok(doc.definitions[`${name}List`], `${name}List`);
    }
    for (const name of [`${META}.ObjectMeta`, `${META}.Time`, `${META}.Status`, `${META}.DeleteOptions`, 'io.k8s.api.autoscaling.v1.Scale', 'io.k8s.apimachinery.pkg.api.resource.Quantity', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'])
      assert.ok(doc.definitions[name], name);
  });

  it('describes Pod down to its containers, merged by name', () => {
    const pod = doc.definitions[`${CORE}.Pod`];
    assert.equal(pod.properties.metadata.$ref, `#/definitions/${META}.ObjectMeta`);
    assert.equal(pod.properties.spec.$ref, `#/definitions/${CORE}.PodSpec`);
    assert.match(pod.properties.kind.description, /^Kind is a string value/);
    const containers = doc.definitions[`${CORE}.PodSpec`].properties.containers;
    assert.deepEqual(containers, { items: { $ref: `#/definitions/${CORE}.Container` }, type: 'array', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    const c = doc.definitions[`${CORE}.Container`].properties;
    assert.equal(c.ports['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.equal(c.env['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(c.volumeMounts['x-kubernetes-patch-merge-key'], 'mountPath');
    assert.equal(doc.definitions[`${CORE}.PodSpec`].properties.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  });

  it('types quantities, int-or-strings, timestamps and maps as Kubernetes does', () => {
    const d = doc.definitions;
    assert.deepEqual(d[`${CORE}.ResourceRequirements`].properties.limits, { additionalProperties: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' }, type: 'object' });
    assert.equal(d[`${CORE}.ServicePort`].properties.targetPort.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.deepEqual(d[`${META}.ObjectMeta`].properties.creationTimestamp, { $ref: `#/definitions/${META}.Time` });
    assert.deepEqual(d[`${META}.ObjectMeta`].properties.labels, { additionalProperties: { type: 'string' }, type: 'object' });
    assert.deepEqual(d[`${META}.ObjectMeta`].properties.generation, { format: 'int64', type: 'integer' });
    assert.deepEqual(d['io.k8s.api.coordination.v1.LeaseSpec'].properties.renewTime, { $ref: `#/definitions/${META}.MicroTime` });
    assert.equal(d['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
    assert.equal(d[`${CORE}.Secret`].properties.data.additionalProperties.format, 'byte');
  });

  it('carries the comments of the .proto files as descriptions', () => {
    assert.match(doc.definitions[`${CORE}.ConfigMapVolumeSource`].description, /^A ConfigMap's keys as files/);
  });

  it('has Kubernetes operations for every resource', () => {
    const pods = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    assert.equal(pods.get.operationId, 'readCoreV1NamespacedPod');
    assert.equal(pods.patch.operationId, 'patchCoreV1NamespacedPod');
    assert.deepEqual(pods.patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Pod' });
    assert.ok(pods.patch.consumes.includes('application/strategic-merge-patch+json'));
    assert.equal(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put.operationId, 'replaceAppsV1NamespacedDeploymentScale');
    assert.equal(doc.paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    assert.equal(doc.paths['/apis/rbac.authorization.k8s.io/v1/clusterroles'].get.operationId, 'listRbacAuthorizationV1ClusterRole');
    assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get.operationId, 'readCoreV1NamespacedPodLog');
  });

  it('answers 406 to a client that accepts neither JSON nor the protobuf encoding, and 304 for a current ETag', async () => {
    assert.equal((await get('/openapi/v2', 'application/yaml')).status, 406);
    assert.equal((await get('/openapi/v3/api/v1', 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf')).status, 406);
    const first = await get('/openapi/v2', 'application/json');
    assert.equal((await get('/openapi/v2', 'application/json', first.headers!.ETag)).status, 304);
  });
});

describe('OpenAPI of autoscaling/v1, served by conversion', () => {
  const V1 = 'io.k8s.api.autoscaling.v1';

  it('defines the v1 HorizontalPodAutoscaler, its list, spec, status and reference, as Kubernetes does', async () => {
    const doc = await json('/openapi/v2');
    assert.deepEqual(doc.definitions[`${V1}.HorizontalPodAutoscaler`]['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', kind: 'HorizontalPodAutoscaler', version: 'v1' }]);
    assert.deepEqual(doc.definitions[`${V1}.HorizontalPodAutoscalerList`]['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', kind: 'HorizontalPodAutoscalerList', version: 'v1' }]);
    assert.equal(doc.definitions[`${V1}.HorizontalPodAutoscaler`].properties.spec.$ref, `#/definitions/${V1}.HorizontalPodAutoscalerSpec`);
    assert.equal(doc.definitions[`${V1}.HorizontalPodAutoscalerList`].properties.items.items.$ref, `#/definitions/${V1}.HorizontalPodAutoscaler`);
    const spec = doc.definitions[`${V1}.HorizontalPodAutoscalerSpec`].properties;
    assert.deepEqual(Object.keys(spec), ['maxReplicas', 'minReplicas', 'scaleTargetRef', 'targetCPUUtilizationPercentage']);
    assert.equal(spec.scaleTargetRef.$ref, `#/definitions/${V1}.CrossVersionObjectReference`);
    assert.deepEqual(Object.keys(doc.definitions[`${V1}.CrossVersionObjectReference`].properties), ['apiVersion', 'kind', 'name']);
    assert.deepEqual(Object.keys(doc.definitions[`${V1}.HorizontalPodAutoscalerStatus`].properties), ['currentCPUUtilizationPercentage', 'currentReplicas', 'desiredReplicas', 'lastScaleTime', 'observedGeneration']);
    // v2 is untouched.
    assert.deepEqual(doc.definitions['io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler']['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', kind: 'HorizontalPodAutoscaler', version: 'v2' }]);
    const item = doc.paths['/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers/{name}'];
    assert.equal(item.get.operationId, 'readAutoscalingV1NamespacedHorizontalPodAutoscaler');
    assert.equal(item.get.responses['200'].schema.$ref, `#/definitions/${V1}.HorizontalPodAutoscaler`);
    assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' });
  });

  it('serves /openapi/v3/apis/autoscaling/v1 with the v1 schemas only', async () => {
    const doc = await json('/openapi/v3/apis/autoscaling/v1');
    const names = Object.keys(doc.components.schemas).filter((n) => n.startsWith('io.k8s.api.'));
    assert.deepEqual(names, [`${V1}.CrossVersionObjectReference`, `${V1}.HorizontalPodAutoscaler`, `${V1}.HorizontalPodAutoscalerList`, `${V1}.HorizontalPodAutoscalerSpec`, `${V1}.HorizontalPodAutoscalerStatus`]);
    assert.ok(doc.paths['/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers/{name}/status']);
  });
});

describe('OpenAPI v3', () => {
  it('indexes every served group-version by the hash of its document', async () => {
    const index = await json('/openapi/v3');
    const reviews = ['apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1'];
    // autoscaling/v1 is served by conversion beside the stored autoscaling/v2.
    const converted = ['apis/autoscaling/v1'];
    assert.deepEqual(Object.keys(index.paths).sort(), [...Object.values(API_GROUPS).map((g) => (g.group ? `apis/${g.group}/${g.version}` : 'api/v1')), ...reviews, ...converted].sort());
    for (const [key, { serverRelativeURL }] of Object.entries<any>(index.paths)) {
      const res = await get(serverRelativeURL);
      assert.equal(res.status, 200, key);
      assert.equal(res.headers!['Cache-Control'], 'public, immutable');
      assert.match(serverRelativeURL, new RegExp(`^/openapi/v3/${key}\\?hash=[0-9A-F]{128}$`));
      assert.equal(res.headers!.ETag, `"${serverRelativeURL.split('hash=')[1]}"`);
    }
  });

  it('redirects a stale hash to the current document', async () => {
    const res = await get('/openapi/v3/apis/apps/v1?hash=0123');
    assert.equal(res.status, 301);
    assert.match(res.headers!.Location, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  });

  it('holds the group-version\'s paths and the schemas they reach, refs wrapped as OpenAPI 3 needs', async () => {
    const core = await json('/openapi/v3/api/v1');
    assert.equal(core.openapi, '3.0.0');
    assert.ok(Object.keys(core.paths).every((p) => p.startsWith('/api/v1/')));
    const schemas = core.components.schemas;
    assert.equal(schemas[`${CORE}.PodSpec`].properties.containers.items.$ref, `#/components/schemas/${CORE}.Container`);
    assert.deepEqual(schemas[`${CORE}.Pod`].properties.metadata.allOf, [{ $ref: `#/components/schemas/${META}.ObjectMeta` }]);
    assert.equal(schemas['io.k8s.api.apps.v1.Deployment'], undefined);
    const apps = await json('/openapi/v3/apis/apps/v1');
    assert.ok(apps.components.schemas['io.k8s.api.apps.v1.DeploymentStrategy']);
    assert.ok(apps.components.schemas[`${CORE}.Container`], 'the pod template reaches core/v1 schemas');
  });

  it('declares fieldValidation on every PATCH, so kubectl leaves field validation to the server', async () => {
    for (const key of ['api/v1', 'apis/apps/v1']) {
      const doc = await json(`/openapi/v3/${key}`);
      const patches = Object.values<any>(doc.paths).flatMap((p) => (p.patch ? [p.patch] : []));
      assert.ok(patches.length > 0);
      for (const op of patches) assert.ok(op.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'), op.operationId);
    }
  });

  it('writes a $ref with siblings as allOf', () => {
    assert.deepEqual(toV3Schema({ $ref: '#/definitions/X', description: 'd' }), { allOf: [{ $ref: '#/components/schemas/X' }], description: 'd' });
    assert.deepEqual(toV3Schema({ items: { $ref: '#/definitions/X' } }), { items: { $ref: '#/components/schemas/X' } });
  });
});

describe('OpenAPI v2 in protobuf (what client-go asks /openapi/v2 for)', () => {
  // The part of gnostic's openapi.v2 messages the assertions read; other fields are skipped.
  const named = (value: string) => ({ fields: { name: { type: 'string', id: 1 }, value: { type: value, id: 2 } } });
  const gnostic = protobuf.Root.fromJSON({
    nested: {
      Document: { fields: { swagger: { type: 'string', id: 1 }, definitions: { type: 'Definitions', id: 9 }, paths: { type: 'Paths', id: 8 } } },
      Definitions: { fields: { additionalProperties: { rule: 'repeated', type: 'NamedSchema', id: 1 } } },
      NamedSchema: named('Schema'),
      Paths: { fields: { path: { rule: 'repeated', type: 'NamedPathItem', id: 2 } } },
      NamedPathItem: named('PathItem'),
      PathItem: { fields: { patch: { type: 'Operation', id: 8 } } },
      Operation: { fields: { operationId: { type: 'string', id: 5 }, vendorExtension: { rule: 'repeated', type: 'NamedAny', id: 13 } } },
      Schema: {
        fields: {
          ref: { type: 'string', id: 1 },
          type: { type: 'TypeItem', id: 22 },
          items: { type: 'ItemsItem', id: 23 },
          properties: { type: 'Properties', id: 25 },
          vendorExtension: { rule: 'repeated', type: 'NamedAny', id: 31 },
        },
      },
      TypeItem: { fields: { value: { rule: 'repeated', type: 'string', id: 1 } } },
      ItemsItem: { fields: { schema: { rule: 'repeated', type: 'Schema', id: 1 } } },
      Properties: { fields: { additionalProperties: { rule: 'repeated', type: 'NamedSchema', id: 1 } } },
      NamedAny: named('Any'),
      Any: { fields: { yaml: { type: 'string', id: 2 } } },
    },
  });

  it('encodes gnostic\'s Document: definitions with their group-version-kind and merge keys, and the operations', async () => {
    const res = await get('/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    assert.equal(res.status, 200);
    assert.ok(Buffer.isBuffer(res.body));
    const doc = gnostic.lookupType('Document').toObject(gnostic.lookupType('Document').decode(res.body as Buffer)) as any;
    assert.equal(doc.swagger, '2.0');
    const defs = new Map<string, any>(doc.definitions.additionalProperties.map((n: any) => [n.name, n.value]));
    const ext = (s: any, name: string) => JSON.parse(s.vendorExtension.find((e: any) => e.name === name).value.yaml);
    assert.deepEqual(ext(defs.get(`${CORE}.Pod`), 'x-kubernetes-group-version-kind'), [{ group: '', kind: 'Pod', version: 'v1' }]);
    const props = (s: any) => new Map<string, any>(s.properties.additionalProperties.map((n: any) => [n.name, n.value]));
    const containers = props(defs.get(`${CORE}.PodSpec`)).get('containers');
    assert.deepEqual(containers.type.value, ['array']);
    assert.equal(containers.items.schema[0].ref, `#/definitions/${CORE}.Container`);
    assert.equal(ext(containers, 'x-kubernetes-patch-merge-key'), 'name');
    const patch = doc.paths.path.find((p: any) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}').value.patch;
    assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
    assert.deepEqual(ext(patch, 'x-kubernetes-group-version-kind'), { group: 'apps', version: 'v1', kind: 'Deployment' });
  });
});
