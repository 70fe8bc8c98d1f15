// The shared pod predicates (lib/api/pods.ts) against Kubernetes' podutil: IsPodReady,
// IsPodAvailable, terminal phases and active pods.
import { strict as assert } from 'node:assert';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { isPodActive, isPodAvailable, isPodReady, isPodTerminal, isTerminalPhase, podConfigReferences, podKey, podReadyTime } from '../../../../lib/api/pods';

const T = Date.parse('2024-01-01T00:00:00Z');

function pod(o: { ready?: string; since?: string; phase?: string; deleting?: boolean; otherConditions?: boolean } = {}): Pod {
  const conditions = [];
  if (o.otherConditions) conditions.push({ type: 'ContainersReady', status: 'True', reason: '', message: '', lastProbeTime: '', lastTransitionTime: '2024-01-01T00:00:00Z' });
  if (o.ready !== undefined) conditions.push({ type: 'Ready', status: o.ready, reason: '', message: '', lastProbeTime: '', lastTransitionTime: o.since ?? '2024-01-01T00:00:00Z' });
  return Pod.fromPartial({
    metadata: { name: 'p', namespace: 'ns', deletionTimestamp: o.deleting ? '2024-01-01T00:00:05Z' : '' },
    status: { phase: o.phase ?? 'Running', conditions },
  });
}

describe('pod predicates (Kubernetes podutil)', () => {
  it('names a pod namespace/name', () => {
    assert.equal(podKey(pod()), 'ns/p');
  });

  it('a pod is ready when its Ready condition is True', () => {
    assert.equal(isPodReady(pod({ ready: 'True', otherConditions: true })), true);
    assert.equal(isPodReady(pod({ ready: 'False' })), false);
    assert.equal(isPodReady(pod({ ready: 'Unknown' })), false);
    assert.equal(isPodReady(pod({ otherConditions: true })), false, 'another True condition is not readiness');
    assert.equal(isPodReady(Pod.fromPartial({ metadata: { name: 'p' } })), false, 'no status');
  });

  it('the ready time is the Ready condition transition, when ready and known', () => {
    assert.equal(podReadyTime(pod({ ready: 'True', otherConditions: true })), T);
    assert.equal(podReadyTime(pod({ ready: 'False' })), undefined);
    assert.equal(podReadyTime(pod({ ready: 'True', since: '' })), undefined);
    assert.equal(podReadyTime(pod()), undefined);
  });

  it('available: ready, and for minReadySeconds strictly before now', () => {
    const ready = pod({ ready: 'True' });
    assert.equal(isPodAvailable(ready, 0, T), true, 'minReadySeconds 0: ready is available');
    assert.equal(isPodAvailable(ready, 10, T + 10_001), true);
    assert.equal(isPodAvailable(ready, 10, T + 10_000), false, 'exactly minReadySeconds is not yet');
    assert.equal(isPodAvailable(ready, 10, T + 5_000), false);
    assert.equal(isPodAvailable(pod({ ready: 'True', since: '' }), 10, T + 60_000), false, 'no transition time');
    assert.equal(isPodAvailable(pod({ ready: 'False' }), 0, T), false);
  });

  it('Succeeded and Failed are terminal phases', () => {
    assert.deepEqual(['Succeeded', 'Failed', 'Running', 'Pending', 'Unknown', '', undefined].map(isTerminalPhase), [true, true, false, false, false, false, false]);
    assert.equal(isPodTerminal(pod({ phase: 'Failed' })), true);
    assert.equal(isPodTerminal(Pod.fromPartial({ metadata: { name: 'p' } })), false);
  });

  it('active: neither finished nor being deleted', () => {
    assert.equal(isPodActive(pod()), true);
    assert.equal(isPodActive(pod({ phase: 'Succeeded' })), false);
    assert.equal(isPodActive(pod({ deleting: true })), false);
    assert.equal(isPodActive(Pod.fromPartial({})), true);
  });
});

describe('podConfigReferences (Kubernetes VisitPodConfigmapNames / VisitPodSecretNames)', () => {
  it('names every ConfigMap and Secret of pull secrets, env, envFrom, volumes and projected sources, once each', () => {
    const p = Pod.fromPartial({
      metadata: { name: 'p', namespace: 'ns' },
      spec: {
        imagePullSecrets: [{ name: 'regcred' }, { name: '' }],
        initContainers: [{ name: 'init', envFrom: [{ configMapRef: { name: 'init-cm' } }] }],
        containers: [
          {
            name: 'c',
            envFrom: [{ secretRef: { name: 'env-secret' } }, { prefix: 'X_', configMapRef: { name: 'init-cm' } }],
            env: [
              { name: 'A', valueFrom: { configMapKeyRef: { name: 'key-cm', key: 'a' } } },
              { name: 'B', valueFrom: { secretKeyRef: { name: 'key-secret', key: 'b' } } },
              { name: 'C', value: 'literal' },
            ],
          },
        ],
        volumes: [
          { name: 'v1', configMap: { name: 'vol-cm' } },
          { name: 'v2', secret: { secretName: 'vol-secret' } },
          { name: 'v3', projected: { sources: [{ configMap: { name: 'proj-cm' } }, { secret: { name: 'proj-secret' } }, { serviceAccountToken: { path: 't' } }] } },
          { name: 'v4', emptyDir: {} },
        ],
      },
    });
    assert.deepEqual(podConfigReferences(p), [
      { kind: 'Secret', name: 'regcred' },
      { kind: 'ConfigMap', name: 'init-cm' },
      { kind: 'Secret', name: 'env-secret' },
      { kind: 'ConfigMap', name: 'key-cm' },
      { kind: 'Secret', name: 'key-secret' },
      { kind: 'ConfigMap', name: 'vol-cm' },
      { kind: 'Secret', name: 'vol-secret' },
      { kind: 'ConfigMap', name: 'proj-cm' },
      { kind: 'Secret', name: 'proj-secret' },
    ]);
    assert.deepEqual(podConfigReferences(Pod.fromPartial({})), []);
  });
});
