import { strict as assert } from 'node:assert';
import { PodTemplateSpec } from '../../../../lib/gen/kite/core/v1/types';
import { computeHash, safeEncode } from '../../../../services/controller-manager/deployment/template-hash';

describe('pod-template-hash', () => {
  const template = PodTemplateSpec.fromPartial({
    metadata: { labels: { app: 'web', tier: 'front' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
  });

  it('is stable across releases (a change renames every Deployment ReplicaSet)', () => {
    assert.equal(computeHash(template), computeHash(structuredClone(template)));
    assert.equal(computeHash(template), '7f8c4886f8');
    assert.equal(computeHash(template, 1), '78c8b76b59');
  });

  it('ignores key order and fields left at their defaults', () => {
    const reordered = PodTemplateSpec.fromPartial({
      spec: { containers: [{ image: 'nginx:1.25', ports: [{ containerPort: 80 }], name: 'nginx', args: [] }] },
      metadata: { labels: { tier: 'front', app: 'web' }, annotations: {} },
    });
    assert.equal(computeHash(reordered), computeHash(template));
  });

  it('changes with the template and with collisionCount', () => {
    const other = structuredClone(template);
    other.spec!.containers[0].image = 'nginx:1.26';
    const hashes = new Set([computeHash(template), computeHash(other), computeHash(template, 0), computeHash(template, 1), computeHash(template, 2)]);
    assert.equal(hashes.size, 5);
  });

  it('spells digits with consonants and digits only, as Kubernetes does', () => {
    assert.equal(safeEncode('0123456789'), '456789bcdf');
    assert.match(computeHash(template), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
});
