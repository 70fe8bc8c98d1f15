// A manifest file's Pod as the kubelet runs it (Kubernetes' applyDefaults) and its mirror pod;
// the file source's directory reading and watching.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { StaticPodFileSource } from '../../../../services/kubelet/config-sources/file-source';
import { isMirrorPod, isMirrorPodOf, isStaticPod, mirrorPodFor, staticPodFromManifest } from '../../../../services/kubelet/config-sources/static-pods';
import { waitFor } from '../../../support/wait';

const yaml = (extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
  labels: {component: kube-apiserver}
spec:
  hostNetwork: true
  containers:
  - name: kube-apiserver
    image: kite/apiserver:dev
    command: [kite-apiserver${extra}]
`;

describe('static pods from manifests', () => {
  const seen = new Date('2026-12-05T07:00:00.120Z');

  it("names the pod after its node, defaults it, and sets Kubernetes' annotations with the hash as uid", () => {
    const pod = staticPodFromManifest(yaml(), '/etc/kubernetes/manifests/kube-apiserver.yaml', 'kite-control-plane', seen);
    const m = pod.metadata!;
    assert.equal(m.name, 'kube-apiserver-kite-control-plane');
    assert.equal(m.namespace, 'kube-system');
    assert.match(m.uid, /^[0-9a-f]{32}$/);
    assert.deepEqual(m.annotations, {
      'kubernetes.io/config.hash': m.uid,
      'kubernetes.io/config.source': 'file',
      'kubernetes.io/config.seen': '2026-12-05T07:00:00.12Z',
    });
    assert.equal(pod.spec!.nodeName, 'kite-control-plane');
    assert.equal(pod.spec!.restartPolicy, 'Always');
    assert.equal(pod.spec!.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.spec!.terminationGracePeriodSeconds, 30);
    assert.deepEqual(pod.spec!.tolerations, [{ key: '', operator: 'Exists', value: '', effect: 'NoExecute' }]);
    assert.equal(pod.status!.phase, 'Pending');
    assert.ok(isStaticPod(pod));
    assert.ok(!isMirrorPod(pod));
  });

  it('the hash changes with the content, the node and the file, not with the time seen', () => {
    const uid = (text: string, file = '/m/a.yaml', node = 'n1', at = seen) => staticPodFromManifest(text, file, node, at).metadata!.uid;
    assert.equal(uid(yaml()), uid(yaml(), '/m/a.yaml', 'n1', new Date()));
    assert.notEqual(uid(yaml()), uid(yaml(', --v=2')));
    assert.notEqual(uid(yaml()), uid(yaml(), '/m/b.yaml'));
    assert.notEqual(uid(yaml()), uid(yaml(), '/m/a.yaml', 'n2'));
  });

  it('puts a pod without a namespace in default; JSON works as YAML does', () => {
    const pod = staticPodFromManifest(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } }), '/m/web.json', 'n1');
    assert.equal(pod.metadata!.namespace, 'default');
    assert.equal(pod.metadata!.name, 'web-n1');
  });

  it('refuses what is not one valid Pod', () => {
    const refused = (text: string) => assert.throws(() => staticPodFromManifest(text, '/m/x.yaml', 'n1'), { name: 'StaticPodError' });
    refused('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    refused(`${yaml()}---\n${yaml()}`);
    refused('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n');
    refused('{not yaml');
    assert.throws(() => staticPodFromManifest('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n', '/m/x.yaml', 'n1'), /invalid pod: Pod "x-n1" is invalid: spec.containers: Required value/);
  });

  it('the mirror pod is the static pod with the config.mirror annotation, controlled by the Node, without uid or status', () => {
    const pod = staticPodFromManifest(yaml(), '/m/a.yaml', 'n1', seen);
    const mirror = mirrorPodFor(pod, { name: 'n1', uid: 'node-uid' });
    assert.equal(mirror.metadata!.annotations['kubernetes.io/config.mirror'], pod.metadata!.uid);
    assert.equal(mirror.metadata!.annotations['kubernetes.io/config.hash'], pod.metadata!.uid);
    assert.deepEqual(mirror.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true }]);
    assert.equal(mirror.metadata!.uid, '');
    assert.equal(mirror.status, undefined);
    assert.ok(isMirrorPod(mirror) && isMirrorPodOf(mirror, pod));
    assert.ok(!isMirrorPodOf(mirror, staticPodFromManifest(yaml(', --v=2'), '/m/a.yaml', 'n1')));
    assert.equal(pod.metadata!.annotations['kubernetes.io/config.mirror'], undefined, 'the static pod is left as it was');
  });
});

describe('the static pod file source', () => {
  let dir: string;
  let source: StaticPodFileSource | undefined;
  let handed: Pod[][];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-manifests-'));
    handed = [];
  });

  afterEach(() => {
    source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (path = dir) => {
    source = new StaticPodFileSource({ path, nodeName: 'n1', checkFrequencyMs: 600_000, onPods: (pods) => handed.push(pods) });
    await source.start();
  };
  const names = () => handed[handed.length - 1].map((p) => p.metadata!.name).sort();

  it('reads one pod per file, skipping dot files, subdirectories and broken manifests', async () => {
    writeFileSync(join(dir, 'a.yaml'), yaml());
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, spec: { containers: [{ name: 'c', image: 'i:1' }] } }));
    writeFileSync(join(dir, '.a.yaml.swp'), yaml().replace('kube-apiserver\n  namespace', 'swap\n  namespace'));
    writeFileSync(join(dir, 'broken.yaml'), 'kind: [');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.yaml'), yaml().replace('kube-apiserver\n  namespace', 'c\n  namespace'));
    await start();
    assert.equal(handed.length, 1);
    assert.deepEqual(names(), ['b-n1', 'kube-apiserver-n1']);
  });

  it('a missing directory holds no pods; a second pod with a taken name is ignored', async () => {
    await start(join(dir, 'absent'));
    assert.deepEqual(handed, [[]]);
    source!.stop();
    handed = [];
    writeFileSync(join(dir, 'a.yaml'), yaml());
    writeFileSync(join(dir, 'b.yaml'), yaml(', --v=2'));
    await start();
    assert.deepEqual(names(), ['kube-apiserver-n1']);
    assert.match(handed[0][0].spec!.containers[0].command.join(' '), /^kite-apiserver$/, 'the first file (in name order) wins');
  });

  it('hands the pods over again when a file is added, changed or removed, keeping an unchanged pod as first seen', async () => {
    writeFileSync(join(dir, 'a.yaml'), yaml());
    await start();
    const first = handed[0][0];
    writeFileSync(join(dir, 'b.yaml'), yaml().replace('kube-apiserver\n  namespace', 'b\n  namespace'));
    await waitFor('b added', () => handed.length === 2);
    assert.deepEqual(names(), ['b-n1', 'kube-apiserver-n1']);
    assert.equal(handed[1].find((p) => p.metadata!.name === 'kube-apiserver-n1'), first);
    writeFileSync(join(dir, 'a.yaml'), yaml(', --v=2'));
    await waitFor('a changed', () => handed.length === 3);
    assert.notEqual(handed[2].find((p) => p.metadata!.name === 'kube-apiserver-n1')!.metadata!.uid, first.metadata!.uid);
    unlinkSync(join(dir, 'b.yaml'));
    await waitFor('b removed', () => handed.length === 4);
    assert.deepEqual(names(), ['kube-apiserver-n1']);
  });
});
