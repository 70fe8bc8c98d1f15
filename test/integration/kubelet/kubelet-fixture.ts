// A real apiserver and an in-process kubelet on the real Docker Engine, with test-sized timings,
// a unique node name and pod network per fixture, and cleanup of every container and network the
// node made (found by the runtime's io.kite.node label), even when a test fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Clientset } from '../../../lib/client/clientset';
import { Container, Event, Pod, PodSpec } from '../../../lib/gen/kite/core/v1/types';
import { defaultKubeletConfig, type KubeletConfig } from '../../../services/kubelet/config';
import { Kubelet } from '../../../services/kubelet/kubelet';
import { DockerRuntime } from '../../../services/kubelet/runtime/docker-runtime';
import type { ApiserverConfig } from '../../../services/apiserver/server';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { dockerClient, freePodSubnet, removeNodeResources, uniqueName } from '../../support/docker';
import { ensureTestImages } from '../../support/images';
import { waitFor } from '../../support/wait';

/** What tests write: any subset of the fields, at any depth (defaults fill the rest). */
type DeepPartial<T> = T extends Buffer ? T : T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
export type ContainerInput = DeepPartial<Container>;
export type PodSpecInput = DeepPartial<PodSpec>;

export interface KubeletFixture {
  api: TestApiserver;
  client: Clientset;
  docker: Docker;
  runtime: DockerRuntime;
  node: string;
  subnet: string;
  kubelet: Kubelet | undefined;
  config: KubeletConfig;
  /** Starts a kubelet (a new one each call: a "restart" after stopKubelet). */
  startKubelet(): Promise<Kubelet>;
  stopKubelet(): Promise<void>;
  /** Creates a pod bound to the fixture's node. */
  createPod(name: string, containers: ContainerInput[], spec?: PodSpecInput): Promise<Pod>;
  waitForPod(name: string, what: string, pred: (p: Pod) => boolean, timeoutMs?: number): Promise<Pod>;
  events(podName: string): Promise<Event[]>;
  cleanup(): Promise<void>;
}

/** Timings that keep Docker tests quick. */
export const FAST: Partial<KubeletConfig> = {
  podCIDRWaitMs: 0,
  nodeStatusUpdateFrequencyMs: 1_000,
  nodeLeaseRenewIntervalMs: 1_000,
  imagePullBackoff: { initialMs: 1_000, maxMs: 4_000 },
  crashLoopBackoff: { initialMs: 1_000, maxMs: 4_000, resetAfterMs: 60_000 },
  relistPeriodMs: 250,
  resyncPeriodMs: 10_000,
};

/** `apiserver`: the test apiserver's configuration (e.g. securePort for its HTTP API). */
export async function kubeletFixture(prefix: string, overrides: Partial<KubeletConfig> = {}, apiserver: Partial<ApiserverConfig> = {}): Promise<KubeletFixture> {
  await ensureTestImages();
  const docker = dockerClient();
  const node = uniqueName(prefix);
  const rootDir = mkdtempSync(join(tmpdir(), `${node}-`));
  const api = await startTestApiserver(apiserver);
  const client = api.client();
  const subnet = await freePodSubnet(docker);
  const config = defaultKubeletConfig({
    nodeName: node,
    nodeIP: '127.0.0.1',
    bindAddress: '127.0.0.1',
    port: 0,
    fallbackPodCIDR: subnet,
    podNetworkName: `${node}-pods`,
    rootDir,
    ...FAST,
    ...overrides,
  });
  const runtime = new DockerRuntime({ docker, nodeName: node, rootDir });
  const fx: KubeletFixture = {
    api,
    client,
    docker,
    runtime,
    node,
    subnet,
    config,
    kubelet: undefined,
    async startKubelet() {
      const k = new Kubelet(config, { client, runtime });
      fx.kubelet = k;
      await k.start();
      return k;
    },
    async stopKubelet() {
      await fx.kubelet?.stop();
      fx.kubelet = undefined;
    },
    async createPod(name, containers, spec = {}) {
      return client.pods.create(
        Pod.fromPartial({
          metadata: { name, namespace: 'default' },
          spec: PodSpec.fromPartial({ nodeName: node, ...spec, containers }),
        }),
      );
    },
    waitForPod(name, what, pred, timeoutMs = 20_000) {
      return waitFor(`pod ${name}: ${what}`, async () => {
        const p = await client.pods.get(name);
        return pred(p) ? p : undefined;
      }, timeoutMs, 100);
    },
    async events(podName) {
      const list = await client.events.list({ namespace: 'default' });
      return list.items.filter((e) => e.involvedObject?.name === podName);
    },
    async cleanup() {
      await fx.kubelet?.stop().catch(() => undefined);
      await removeNodeResources(docker, node);
      await api.stop().catch(() => undefined);
      rmSync(rootDir, { recursive: true, force: true });
    },
  };
  return fx;
}

export function containerStatus(pod: Pod, name: string) {
  return pod.status?.containerStatuses.find((s) => s.name === name);
}

export function condition(pod: Pod, type: string): string | undefined {
  return pod.status?.conditions.find((c) => c.type === type)?.status;
}
