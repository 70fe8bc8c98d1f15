// The kubelet's settings (flags of main.ts), with Kubernetes' defaults. Every period, grace and
// backoff is here so tests can shrink them.
import { hostname } from 'node:os';
import type { Taint } from '../../lib/gen/kite/core/v1/types';
import { DEFAULT_AUTHORIZATION_CACHE_TTLS, type AuthorizationCacheTtls } from './server/authorization-cache';

/** Who may call the kubelet's endpoint: anyone it authenticates, or whom the apiserver allows. */
export const KUBELET_AUTHORIZATION_MODES = ['AlwaysAllow', 'Webhook'] as const;
export type KubeletAuthorizationMode = (typeof KUBELET_AUTHORIZATION_MODES)[number];

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export interface KubeletConfig {
  nodeName: string;
  /** InternalIP of the node; detected from the default route's interface when unset. */
  nodeIP?: string;
  /** Port of the kubelet's gRPC endpoint (logs, exec); 0 picks a free one. */
  port: number;
  bindAddress: string;
  /** Pod CIDR used when the node has no spec.podCIDR after podCIDRWaitMs (no node IPAM running). */
  fallbackPodCIDR?: string;
  podCIDRWaitMs: number;
  /** The Docker network holding this node's pod IPs. */
  podNetworkName: string;
  /** emptyDir volumes live under <rootDir>/pods/<uid>. */
  rootDir: string;
  maxPods: number;
  nodeLabels: Record<string, string>;
  registerWithTaints: Taint[];
  systemReserved: Record<string, string>;
  kubeReserved: Record<string, string>;
  /** Capacity reported instead of the detected one (tests, simulated sizes). */
  capacityOverride?: Partial<Record<'cpu' | 'memory', string>>;
  nodeStatusUpdateFrequencyMs: number;
  nodeLeaseDurationSeconds: number;
  nodeLeaseRenewIntervalMs: number;
  imagePullBackoff: BackoffSettings;
  /** Crash-loop backoff; it starts over once a container ran resetAfterMs without crashing. */
  crashLoopBackoff: BackoffSettings & { resetAfterMs: number };
  /** How often the runtime is relisted to notice containers that changed state (Kubernetes' PLEG). */
  relistPeriodMs: number;
  /** Every pod is synced at least this often. */
  resyncPeriodMs: number;
  /** The runtime's version string for nodeInfo ("docker://20.10.24"). */
  containerRuntimeVersion?: string;
  tls?: { cert: Buffer; key: Buffer; clientCA?: Buffer };
  /** --cluster-dns: the cluster DNS servers of ClusterFirst pods; empty, they fall back to Default (MissingClusterDNS). */
  clusterDNS: string[];
  /** --cluster-domain: the cluster's DNS domain, searched by ClusterFirst pods ("" adds none). */
  clusterDomain: string;
  /** --resolv-conf: the node's resolver file, copied by Default pods ("" for none: they ask 127.0.0.1). */
  resolvConf: string;
  /** --pod-manifest-path (KubeletConfiguration's staticPodPath): the directory (or file) of static pod manifests; unset, none. */
  staticPodPath?: string;
  /** --file-check-frequency: how often the static pod manifests are read again besides watching them. */
  fileCheckFrequencyMs: number;
  /** Webhook asks the apiserver (SubjectAccessReview) about each caller and remembers the answers this long. */
  authorization: { mode: KubeletAuthorizationMode } & AuthorizationCacheTtls;
}

export function defaultKubeletConfig(overrides: Partial<KubeletConfig> = {}): KubeletConfig {
  return {
    nodeName: hostname().toLowerCase(),
    port: 10250,
    bindAddress: '0.0.0.0',
    podCIDRWaitMs: 30_000,
    podNetworkName: 'kite-pods',
    rootDir: '/var/lib/kite-kubelet',
    maxPods: 110,
    nodeLabels: {},
    registerWithTaints: [],
    systemReserved: {},
    kubeReserved: {},
    nodeStatusUpdateFrequencyMs: 10_000,
    nodeLeaseDurationSeconds: 40,
    nodeLeaseRenewIntervalMs: 10_000,
    imagePullBackoff: { initialMs: 10_000, maxMs: 300_000 },
    crashLoopBackoff: { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 },
    relistPeriodMs: 1_000,
    resyncPeriodMs: 60_000,
    // kind's kubelet configuration: cluster.local, the node's /etc/resolv.conf; the cluster DNS is the deployment's to set.
    clusterDNS: [],
    clusterDomain: 'cluster.local',
    resolvConf: '/etc/resolv.conf',
    fileCheckFrequencyMs: 20_000,
    authorization: { mode: 'AlwaysAllow', ...DEFAULT_AUTHORIZATION_CACHE_TTLS },
    ...overrides,
  };
}
