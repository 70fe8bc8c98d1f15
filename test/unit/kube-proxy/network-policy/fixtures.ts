// Objects for the network policy tests: pods with an IP on a node, namespaces with labels,
// policies from a partial spec.
import { Namespace, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { NetworkPolicy } from '../../../../lib/gen/kite/networking/v1/types';

export function npPod(
  namespace: string,
  name: string,
  ip: string,
  labels: Record<string, string>,
  o: { node?: string; ports?: Array<{ name: string; containerPort: number; protocol?: string }>; hostNetwork?: boolean } = {},
): Pod {
  return Pod.fromPartial({
    metadata: { namespace, name, labels },
    spec: { nodeName: o.node ?? 'self', hostNetwork: o.hostNetwork ?? false, containers: [{ name: 'c', image: 'i', ports: (o.ports ?? []).map((p) => ({ protocol: 'TCP', ...p })) }] },
    status: { phase: 'Running', podIP: ip },
  });
}

export function npNamespace(name: string, labels: Record<string, string> = {}): Namespace {
  return Namespace.fromPartial({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });
}

export function npPolicy(namespace: string, name: string, spec: Record<string, unknown>): NetworkPolicy {
  return NetworkPolicy.fromPartial({ metadata: { namespace, name }, spec: { podSelector: {}, ...spec } } as Parameters<typeof NetworkPolicy.fromPartial>[0]);
}
