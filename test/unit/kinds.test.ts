import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { API_GROUPS, kindMethods, type ApiGroupName } from '../../lib/api/kind-declarations';
import { ALL_KINDS, KIND_DECLARATIONS, KINDS, kindFor, lookupKind, objectKey, splitKey } from '../../lib/api/kinds';
import { ServiceAllocators } from '../../services/apiserver/registry/service-allocators';
import { DEFAULT_DEFAULTING } from '../../services/apiserver/registry/defaults';
import { strategies } from '../../services/apiserver/registry/strategies';
import { PRINTER_COLUMNS } from '../../lib/printers/table-columns';
import { KINDS_TABLE_PATH, renderKindsTable, renderServicesProto, servicesProtoPath } from '../../scripts/gen-kinds';

describe('kinds table', () => {
  it('finds kinds by every name kubectl accepts', () => {
    assert.equal(lookupKind('po')?.kind, 'Pod');
    assert.equal(lookupKind('pods')?.kind, 'Pod');
    assert.equal(lookupKind('Pod')?.kind, 'Pod');
    assert.equal(lookupKind('deploy')?.kind, 'Deployment');
    assert.equal(lookupKind('deployments.apps')?.kind, 'Deployment');
    assert.equal(lookupKind('deployments.core'), undefined);
    assert.equal(lookupKind('ep')?.kind, 'Endpoints');
    assert.equal(lookupKind('widgets'), undefined);
  });

  it('maps manifests by apiVersion and kind', () => {
    assert.equal(kindFor('apps/v1', 'Deployment')?.resource, 'deployments');
    assert.equal(kindFor('v1', 'Deployment'), undefined);
    assert.equal(kindFor('coordination.k8s.io/v1', 'Lease')?.namespaced, true);
  });

  it('has a gRPC service whose methods follow the contract', () => {
    for (const k of ALL_KINDS) {
      const methods = Object.values(k.service).map((m) => m.path);
      const svc = `/${k.serviceName}/`;
      for (const verb of [`Create${k.kind}`, `Get${k.kind}`, `List${k.plural}`, `Update${k.kind}`, `Delete${k.kind}`, `Watch${k.plural}`]) {
        assert.ok(methods.includes(svc + verb), `${k.kind} lacks ${verb}`);
      }
      assert.equal(methods.includes(`${svc}Update${k.kind}Status`), k.hasStatus, `${k.kind} status subresource`);
    }
  });

  it('looks methods up by verb and verbs up by method', () => {
    assert.equal(KINDS.pods.methods.create, 'CreatePod');
    assert.equal(KINDS.pods.methods.logs, 'PodLogs');
    assert.equal(KINDS.deployments.methods.getScale, 'GetDeploymentScale');
    assert.equal(KINDS.nodes.methods.getScale, undefined);
    assert.equal(KINDS.pods.verbOf('UpdatePodStatus'), 'updateStatus');
    assert.equal(KINDS.endpoints.verbOf('UpdateEndpointsStatus'), undefined);
    assert.equal(KINDS.pods.verbOf('ListNodes'), undefined);
  });

  it('builds and splits namespace/name keys', () => {
    assert.equal(objectKey({ metadata: { name: 'a', namespace: 'ns' } as any }), 'ns/a');
    assert.equal(objectKey({ metadata: { name: 'n1', namespace: '' } as any }), 'n1');
    assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
    assert.deepEqual(splitKey('n1'), { namespace: '', name: 'n1' });
  });
});

// One declaration per kind (lib/api/kind-declarations.ts): every other table must agree with it.
describe('kind declarations: every table agrees', () => {
  it('the generated kind table has one entry per declaration, in order, with the declared facts', () => {
    assert.deepEqual(ALL_KINDS.map((k) => k.kind), KIND_DECLARATIONS.map((d) => d.kind));
    for (const d of KIND_DECLARATIONS) {
      const k = ALL_KINDS.find((x) => x.kind === d.kind)!;
      const g = API_GROUPS[d.apiGroup];
      assert.equal(k.plural, d.plural);
      assert.equal(k.resource, d.resource ?? d.plural.toLowerCase());
      assert.equal(k.group, g.group);
      assert.equal(k.namespaced, d.namespaced);
      assert.equal(k.hasStatus, d.status);
      assert.equal(k.hasScale, d.scale ?? false);
      assert.deepEqual([...k.shortNames], [...d.shortNames]);
      assert.equal(k.serviceName, `${g.protoPackage}.${d.kind}Service`);
    }
  });

  it("each kind's generated service has exactly the methods its declaration gives it", () => {
    for (const k of ALL_KINDS) {
      const served = Object.values(k.service).map((m) => m.path).sort();
      const declared = Object.values(kindMethods(k.declaration)).map((rpc) => `/${k.serviceName}/${rpc}`).sort();
      assert.deepEqual(served, declared, k.kind);
    }
  });

  it('the committed services protos and kind table are what the generator writes now (npm run gen)', () => {
    for (const name of Object.keys(API_GROUPS) as ApiGroupName[]) {
      assert.equal(readFileSync(servicesProtoPath(name), 'utf8'), renderServicesProto(name), `${servicesProtoPath(name)} is stale: run npm run gen`);
    }
    assert.equal(readFileSync(KINDS_TABLE_PATH, 'utf8'), renderKindsTable(), 'lib/gen/kite/kinds.ts is stale: run npm run gen');
  });

  it('every declared kind has a strategy (defaults, validation) and no strategy names an undeclared kind', () => {
    const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
    assert.deepEqual([...byKind.keys()].map((k) => k.kind).sort(), KIND_DECLARATIONS.map((d) => d.kind).sort());
  });

  it('every declared kind has printer columns and none names an undeclared kind', () => {
    assert.deepEqual(Object.keys(PRINTER_COLUMNS).sort(), KIND_DECLARATIONS.map((d) => d.kind).sort());
  });
});
