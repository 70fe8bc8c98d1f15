// The PodSyncer with a pod's ConfigMaps, Secrets and Services (fake runtime, fake object source):
// a missing ConfigMap holds the container in CreateContainerConfigError with Kubernetes' message and
// event until it appears; imagePullSecrets become the pull's credentials (a missing one is only a
// warning); containers get the service variables, and none before the Services were read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clientset } from '../../../../lib/client/clientset';
import type { EventRecorder } from '../../../../lib/events';
import { ConfigMap, Pod, Secret, Service, type PodSpec, type PodStatus } from '../../../../lib/gen/kite/core/v1/types';
import { ImageManager } from '../../../../services/kubelet/images/image-manager';
import { CrashLoopBackoff } from '../../../../services/kubelet/pod-workers/crash-backoff';
import { PodSyncer, type PodSyncerDeps } from '../../../../services/kubelet/pod-workers/pod-syncer';
import { RuntimeCache } from '../../../../services/kubelet/pod-workers/runtime-cache';
import { StatusManager } from '../../../../services/kubelet/pod-workers/status-manager';
import { ProbeManager } from '../../../../services/kubelet/probes/probe-manager';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import { DnsConfigurer } from '../../../../services/kubelet/network/dns';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function newPod(spec: DeepPartial<PodSpec>): Pod {
  return Pod.fromPartial({
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', resourceVersion: '5' },
    spec: { nodeName: 'n1', restartPolicy: 'Always', ...spec },
    status: { phase: 'Pending' },
  });
}

describe('kubelet PodSyncer with ConfigMaps, Secrets and Services', () => {
  let runtime: FakeRuntime;
  let statuses: PodStatus[];
  let status: StatusManager;
  let probes: ProbeManager;
  let events: string[];
  let configMaps: Map<string, ConfigMap>;
  let secrets: Map<string, Secret>;
  let services: Service[] | undefined;
  let rootDir: string;
  let syncer: PodSyncer;

  beforeEach(async () => {
    runtime = new FakeRuntime(['nginx:1.22', 'kite/pause:3.9']);
    await runtime.ensurePodNetwork('pods', '10.244.1.0/24');
    statuses = [];
    events = [];
    configMaps = new Map();
    secrets = new Map();
    services = [];
    rootDir = mkdtempSync(join(tmpdir(), 'kite-syncer-config-'));
    const recorder: EventRecorder = { event: (_o, type, reason, message) => events.push(`${type} ${reason}: ${message}`) };
    const client = { pods: { updateStatus: async (pod: Pod) => (statuses.push(pod.status!), pod) } } as unknown as Pick<Clientset, 'pods'>;
    status = new StatusManager(client);
    probes = new ProbeManager({ prober: { probe: async () => ({ success: true, message: '' }) }, recorder, onChange: () => undefined });
    const deps = {
      runtime,
      cache: new RuntimeCache(runtime),
      client,
      status,
      probes,
      images: new ImageManager(runtime, recorder, { initialMs: 10_000, maxMs: 60_000 }),
      crashLoop: new CrashLoopBackoff({ initialMs: 10_000, maxMs: 60_000, resetAfterMs: 600_000 }),
      recorder,
      rootDir,
      objects: { getConfigMap: async (ns: string, name: string) => configMaps.get(`${ns}/${name}`), getSecret: async (ns: string, name: string) => secrets.get(`${ns}/${name}`) },
      services: () => services,
      dns: new DnsConfigurer({ clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '', nodeName: 'n1', recorder }),
      node: { name: 'n1', hostIP: () => '192.168.0.10', allocatable: () => ({ cpu: '2', memory: '4Gi' }), podNetwork: () => 'pods' },
    };
    syncer = new PodSyncer(deps as PodSyncerDeps);
  });

  afterEach(() => {
    probes.stop();
    rmSync(rootDir, { recursive: true, force: true });
  });

  async function containerState() {
    await status.flush();
    return statuses.at(-1)!.containerStatuses[0].state;
  }
  const createdEnv = () => [...runtime.createOptions.values()].at(-1)?.options.env ?? [];

  it('holds a container needing a missing ConfigMap in CreateContainerConfigError, then starts it once the ConfigMap exists', async () => {
    const pod = newPod({ containers: [{ name: 'app', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode' } } }] }] });
    await syncer.sync('uid-1', pod);
    assert.deepEqual((await containerState())?.waiting, { reason: 'CreateContainerConfigError', message: 'configmap "app-config" not found' });
    assert.ok(events.includes('Warning Failed: Error: configmap "app-config" not found'), events.join('\n'));
    assert.equal(runtime.callsOf('createContainer').length, 0);

    configMaps.set('shop/app-config', ConfigMap.fromPartial({ metadata: { name: 'app-config', namespace: 'shop' }, data: { other: 'x' } }));
    await syncer.sync('uid-1', pod);
    assert.deepEqual((await containerState())?.waiting, { reason: 'CreateContainerConfigError', message: "couldn't find key mode in ConfigMap shop/app-config" });

    configMaps.set('shop/app-config', ConfigMap.fromPartial({ metadata: { name: 'app-config', namespace: 'shop' }, data: { mode: 'fast' } }));
    await syncer.sync('uid-1', pod);
    assert.ok((await containerState())?.running, 'running');
    assert.deepEqual(createdEnv(), [{ name: 'MODE', value: 'fast' }]);
  });

  it('pulls with the credentials of the matching imagePullSecret; a missing pull secret is a warning, not a failure', async () => {
    const dockerconfig = { auths: { 'registry.local:5000': { auth: Buffer.from('robot:s3cret').toString('base64') } } };
    secrets.set('shop/regcred', Secret.fromPartial({ metadata: { name: 'regcred', namespace: 'shop' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(dockerconfig)) } }));
    const pod = newPod({ imagePullSecrets: [{ name: 'gone' }, { name: 'regcred' }], containers: [{ name: 'app', image: 'registry.local:5000/team/app:1', imagePullPolicy: 'IfNotPresent' }] });
    await syncer.sync('uid-1', pod);
    assert.deepEqual(runtime.callsOf('pullImage'), [['registry.local:5000/team/app:1', { username: 'robot', password: 's3cret', email: undefined, serveraddress: 'registry.local:5000' }]]);
    assert.ok(events.includes('Warning FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.'), events.join('\n'));
    assert.ok((await containerState())?.running, 'running');
  });

  it('pulls anonymously an image no pull secret matches', async () => {
    secrets.set('shop/regcred', Secret.fromPartial({ metadata: { name: 'regcred', namespace: 'shop' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': Buffer.from(JSON.stringify({ 'quay.io': { username: 'u', password: 'p' } })) } }));
    await syncer.sync('uid-1', newPod({ imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: 'other.example/app:1', imagePullPolicy: 'IfNotPresent' }] }));
    assert.deepEqual(runtime.callsOf('pullImage'), [['other.example/app:1']]);
  });

  it("gives containers the service variables, the pod's own env winning", async () => {
    services = [
      Service.fromPartial({ metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', protocol: 'TCP', port: 443 }] } }),
      Service.fromPartial({ metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: '10.96.0.7', ports: [{ protocol: 'TCP', port: 5432 }] } }),
    ];
    await syncer.sync('uid-1', newPod({ containers: [{ name: 'app', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', env: [{ name: 'DB_SERVICE_PORT', value: '6432' }] }] }));
    const env = new Map(createdEnv().map((e) => [e.name, e.value]));
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
    assert.equal(env.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
    assert.equal(env.get('DB_SERVICE_HOST'), '10.96.0.7');
    assert.equal(env.get('DB_SERVICE_PORT'), '6432');
    assert.equal(env.get('DB_PORT_5432_TCP_ADDR'), '10.96.0.7');
  });

  it('without service links only the kubernetes Service variables', async () => {
    services = [
      Service.fromPartial({ metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } }),
      Service.fromPartial({ metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: '10.96.0.7', ports: [{ port: 5432 }] } }),
    ];
    await syncer.sync('uid-1', newPod({ enableServiceLinks: false, containers: [{ name: 'app', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] }));
    assert.deepEqual(createdEnv().map((e) => e.name).filter((n) => !n.startsWith('KUBERNETES_')), []);
  });

  it('starts no container before the Services were read', async () => {
    services = undefined;
    await syncer.sync('uid-1', newPod({ containers: [{ name: 'app', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] }));
    assert.deepEqual((await containerState())?.waiting, { reason: 'CreateContainerConfigError', message: 'services have not yet been read at least once, cannot construct envvars' });
  });
});
