import { strict as assert } from 'node:assert';
import { Deployments, Pods, Services } from '../../../lib/api/kinds';
import { decodeManifests } from '../../../lib/api/manifest';
import { messageTypeOf } from '../../../lib/api/proto-schema';
import { messageSchema } from '../../../lib/api/strategic-merge-patch';
import { LAST_APPLIED, canonicalJSON, jsonEqual, threeWayMerge } from '../../../services/kitectl/apply-merge';
import { desiredConfig } from '../../../services/kitectl/apply';

describe('apply three-way merge', () => {
  // The merge keys come from the kind's schema, as the server's strategic merge patch's do.
  const pod = messageSchema(messageTypeOf(Pods));
  const service = messageSchema(messageTypeOf(Services));
  it('sets desired fields and keeps fields nobody applied (status, server defaults)', () => {
    const live = { metadata: { name: 'x', resourceVersion: '7', uid: 'u' }, spec: { replicas: 1, strategy: { type: 'RollingUpdate' } }, status: { replicas: 1 } };
    const merged = threeWayMerge(live, { spec: { replicas: 1 } }, { spec: { replicas: 3 } });
    assert.deepEqual(merged, { metadata: { name: 'x', resourceVersion: '7', uid: 'u' }, spec: { replicas: 3, strategy: { type: 'RollingUpdate' } }, status: { replicas: 1 } });
  });

  it('removes fields that were applied before and are gone now', () => {
    const live = { metadata: { labels: { app: 'a', tier: 'web', added: 'by-someone' } }, spec: { paused: true, replicas: 2 } };
    const last = { metadata: { labels: { app: 'a', tier: 'web' } }, spec: { paused: true, replicas: 2 } };
    const desired = { metadata: { labels: { app: 'a' } }, spec: { replicas: 2 } };
    assert.deepEqual(threeWayMerge(live, last, desired), { metadata: { labels: { app: 'a', added: 'by-someone' } }, spec: { replicas: 2 } });
  });

  it('treats null as a request to delete', () => {
    assert.deepEqual(threeWayMerge({ spec: { a: 1, b: 2 } }, undefined, { spec: { a: null } }), { spec: { b: 2 } });
  });

  it('merges containers by name, keeping server defaults inside each item', () => {
    const live = {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.21', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' },
          { name: 'injected', image: 'sidecar' },
          { name: 'old', image: 'busybox' },
        ],
      },
    };
    const last = { spec: { containers: [{ name: 'web', image: 'nginx:1.21' }, { name: 'old', image: 'busybox' }] } };
    const desired = { spec: { containers: [{ name: 'web', image: 'nginx:1.22' }] } };
    assert.deepEqual(threeWayMerge(live, last, desired, pod).spec, {
      containers: [
        { name: 'web', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' },
        { name: 'injected', image: 'sidecar' },
      ],
    });
  });

  it('keeps allocated nodePorts by merging service ports by port', () => {
    const live = { spec: { clusterIP: '10.96.0.5', ports: [{ port: 80, targetPort: 80, nodePort: 31000, protocol: 'TCP' }] } };
    const desired = { spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    assert.deepEqual(threeWayMerge(live, desired, desired, service).spec, { clusterIP: '10.96.0.5', ports: [{ port: 80, targetPort: 8080, nodePort: 31000, protocol: 'TCP' }] });
    // Without the kind's schema nothing says how lists merge: they are replaced.
    assert.deepEqual(threeWayMerge(live, desired, desired).spec, { clusterIP: '10.96.0.5', ports: [{ port: 80, targetPort: 8080 }] });
  });

  it('replaces lists without a merge key', () => {
    const live = { spec: { containers: [{ name: 'c', args: ['a', 'b'] }] } };
    assert.deepEqual(threeWayMerge(live, undefined, { spec: { containers: [{ name: 'c', args: ['z'] }] } }, pod).spec, { containers: [{ name: 'c', args: ['z'] }] });
    const tolerated = { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } };
    assert.deepEqual(threeWayMerge(tolerated, undefined, { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } }, pod).spec, { tolerations: [{ key: 'b', operator: 'Exists' }] });
    const ported = { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } };
    const morePorts = threeWayMerge(ported, undefined, { spec: { containers: [{ name: 'c', ports: [{ containerPort: 81 }] }] } }, pod);
    assert.deepEqual(morePorts.spec, { containers: [{ name: 'c', ports: [{ containerPort: 81 }, { containerPort: 80, protocol: 'TCP' }] }] }, 'container ports merge by containerPort');
  });

  it('does not modify its inputs', () => {
    const live = { spec: { a: { b: 1 } } };
    const desired = { spec: { a: { c: 2 } } };
    threeWayMerge(live, undefined, desired);
    assert.deepEqual(live, { spec: { a: { b: 1 } } });
    assert.deepEqual(desired, { spec: { a: { c: 2 } } });
  });

  it('writes canonical JSON with sorted keys and compares ignoring key order', () => {
    assert.equal(canonicalJSON({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 0 } }), '{"a":{"c":0,"d":[{"y":2,"z":1}]},"b":1}');
    assert.ok(jsonEqual({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: null }));
  });
});

describe('apply desired configuration', () => {
  const manifest = decodeManifests(
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    note: hi\nspec:\n  replicas: 2\n  paused: false\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n',
    'web.yaml',
  )[0];

  it('annotates the object with its own canonical JSON (namespace filled in), as kubectl does', () => {
    const { desired, annotation } = desiredConfig(manifest, 'team-a');
    assert.equal(manifest.kind, Deployments);
    assert.ok(annotation.endsWith('\n'));
    const stored = JSON.parse(annotation);
    assert.equal(stored.metadata.namespace, 'team-a');
    assert.deepEqual(stored.metadata.annotations, { note: 'hi' });
    assert.equal(stored.spec.paused, false, 'the annotation keeps the manifest as written');
    assert.equal(desired.metadata.annotations[LAST_APPLIED], annotation);
    assert.equal(desired.metadata.annotations.note, 'hi');
    assert.equal(desired.spec.paused, undefined, 'the desired object is in codec form (defaults left out)');
  });

  it('is stable: applying the same manifest twice gives the same annotation', () => {
    assert.equal(desiredConfig(manifest, 'a').annotation, desiredConfig(manifest, 'a').annotation);
  });
});
