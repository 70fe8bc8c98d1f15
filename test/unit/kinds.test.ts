import { strict as assert } from 'node:assert';
import { ALL_KINDS, kindFor, lookupKind, objectKey, splitKey } from '../../lib/api/kinds';

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

  it('builds and splits namespace/name keys', () => {
    assert.equal(objectKey({ metadata: { name: 'a', namespace: 'ns' } as any }), 'ns/a');
    assert.equal(objectKey({ metadata: { name: 'n1', namespace: '' } as any }), 'n1');
    assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
    assert.deepEqual(splitKey('n1'), { namespace: '', name: 'n1' });
  });
});
