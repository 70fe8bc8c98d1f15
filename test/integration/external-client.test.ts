// The apiserver from an external gRPC client, as users and the end-to-end tests reach it:
// grpcurl when it is on PATH, `buf curl` otherwise, both through server reflection only.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { DESCRIPTOR_SET } from '../../services/apiserver/grpc/reflection';
import { startTestApiserver, type TestApiserver } from '../support/apiserver';
import { externalClient, grpcCall, grpcStream, listMethods, listServices } from '../support/grpc-client';
import { waitFor } from '../support/wait';

interface JsonPod {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; labels?: Record<string, string> };
  spec: { containers: { name: string; image: string; imagePullPolicy: string }[]; restartPolicy: string };
  status: { phase: string; podIP?: string };
}

describe(`apiserver from an external client (${externalClient()}, reflection)`, function () {
  this.timeout(60_000);
  let api: TestApiserver;

  before(async () => {
    api = await startTestApiserver();
  });
  after(async () => {
    await api?.stop();
  });

  it('lists the services and their methods through reflection', async () => {
    const services = await listServices(api.address);
    for (const s of ['kite.core.v1.PodService', 'kite.core.v1.NodeService', 'kite.core.v1.ServiceService', 'kite.apps.v1.DeploymentService', 'kite.coordination.v1.LeaseService', 'grpc.health.v1.Health']) {
      assert.ok(services.includes(s), `${s} missing from ${services.join(', ')}`);
    }
    assert.ok(!services.some((s) => s.startsWith('kite.kubelet.')), 'only services this server implements');
    const methods = await listMethods(api.address, 'kite.core.v1.PodService');
    for (const m of ['CreatePod', 'GetPod', 'ListPods', 'UpdatePod', 'UpdatePodStatus', 'PatchPod', 'DeletePod', 'WatchPods', 'BindPod']) {
      assert.ok(methods.includes(`kite.core.v1.PodService/${m}`), `${m} missing from ${methods.join(', ')}`);
    }
    const scale = await listMethods(api.address, 'kite.apps.v1.DeploymentService');
    assert.ok(scale.includes('kite.apps.v1.DeploymentService/UpdateDeploymentScale'));
  });

  it('answers grpc.health.v1.Health/Check with SERVING', async () => {
    const overall = await grpcCall(api.address, 'grpc.health.v1.Health/Check', {});
    assert.equal(overall.code, Status.OK, overall.stderr);
    assert.deepEqual(overall.messages, [{ status: 'SERVING' }]);
    const pods = await grpcCall(api.address, 'grpc.health.v1.Health/Check', { service: 'kite.core.v1.PodService' });
    assert.deepEqual(pods.messages, [{ status: 'SERVING' }]);
  });

  it('creates a pod from JSON, gets it with Kubernetes field names, and maps errors to gRPC codes', async () => {
    const name = `ext-${process.pid}`;
    const created = await grpcCall(api.address, 'kite.core.v1.PodService/CreatePod', {
      namespace: 'default',
      pod: { metadata: { name, labels: { app: 'ext' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } },
    });
    assert.equal(created.code, Status.OK, created.stderr);
    const pod = created.messages[0] as JsonPod;
    assert.equal(pod.metadata.name, name);
    assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.status.phase, 'Pending');

    const got = await grpcCall(api.address, 'kite.core.v1.PodService/GetPod', { namespace: 'default', name });
    assert.equal(got.code, Status.OK, got.stderr);
    assert.equal((got.messages[0] as JsonPod).metadata.uid, pod.metadata.uid);
    // The typed client sees the same object.
    assert.equal((await api.client().pods.get(name)).metadata!.uid, pod.metadata.uid);

    // json_name survives reflection: status.podIP, as in Kubernetes' JSON (not "podIp").
    const typed = await api.client().pods.get(name);
    await api.client().pods.updateStatus({ ...typed, status: { ...typed.status!, podIP: '10.244.1.7' } });
    const withIP = await grpcCall(api.address, 'kite.core.v1.PodService/GetPod', { namespace: 'default', name });
    assert.equal((withIP.messages[0] as JsonPod).status.podIP, '10.244.1.7');

    const list = await grpcCall(api.address, 'kite.core.v1.PodService/ListPods', { namespace: 'default', labelSelector: 'app=ext' });
    assert.deepEqual((list.messages[0] as { items: JsonPod[] }).items.map((p) => p.metadata.name), [name]);

    const again = await grpcCall(api.address, 'kite.core.v1.PodService/CreatePod', { namespace: 'default', pod: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } } });
    assert.equal(again.code, Status.ALREADY_EXISTS);
    const missing = await grpcCall(api.address, 'kite.core.v1.PodService/GetPod', { namespace: 'default', name: 'no-such-pod' });
    assert.equal(missing.code, Status.NOT_FOUND);
    assert.equal(missing.message, 'pods "no-such-pod" not found');
    const invalid = await grpcCall(api.address, 'kite.core.v1.PodService/CreatePod', { namespace: 'default', pod: { metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c' }] } } });
    assert.equal(invalid.code, Status.INVALID_ARGUMENT);
    assert.match(invalid.message, /^Pod "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name".*spec\.containers\[0\]\.image: Required value\]$/);
  });

  it('reads a watch stream: ADDED, then MODIFIED when the typed client updates the pod', async () => {
    const name = `ext-watch-${process.pid}`;
    await grpcCall(api.address, 'kite.core.v1.PodService/CreatePod', { namespace: 'default', pod: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } } });
    const watch = grpcStream(api.address, 'kite.core.v1.PodService/WatchPods', { namespace: 'default', fieldSelector: `metadata.name=${name}`, timeoutSeconds: 4 });
    try {
      await waitFor('the initial ADDED event', () => watch.messages.length >= 1, 20_000);
      const updated = await api.client().pods.patch(name, { metadata: { labels: { updated: 'by-typed-client' } } });
      await waitFor('the MODIFIED event', () => watch.messages.length >= 2, 10_000);
      const result = await watch.done;
      assert.equal(result.code, Status.OK, result.stderr);
      const events = result.messages as { type: string; object: JsonPod }[];
      assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED']);
      assert.equal(events[1].object.metadata.labels?.updated, 'by-typed-client');
      assert.equal(events[1].object.metadata.resourceVersion, updated.metadata!.resourceVersion);
    } finally {
      watch.kill();
    }
  });

  it('serves descriptors that match proto/ (lib/gen/descriptors.binpb is up to date; npm run gen)', function () {
    const dir = mkdtempSync(join(tmpdir(), 'kite-descriptors-'));
    try {
      const out = join(dir, 'api.binpb');
      execFileSync(join(__dirname, '..', '..', 'node_modules', '.bin', 'buf'), ['build', join(__dirname, '..', '..', 'proto'), '--exclude-source-info', '-o', out]);
      const fresh = readFileSync(out);
      assert.ok(readFileSync(DESCRIPTOR_SET).subarray(0, fresh.length).equals(fresh), 'lib/gen/descriptors.binpb is stale: run npm run gen');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
