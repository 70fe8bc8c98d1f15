// The PodSecurity admission's view of the cluster, read from the apiserver's registries: the
// watch cache first, storage for what was written a moment ago (as Kubernetes' plugin reads
// its namespace and pod informers, falling back to a live GET).
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import * as K from '../../../../lib/api/kinds';
import type { Namespace, Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { Registry } from '../../registry/registry';
import type { PodSecuritySource } from './admission';
import type { PodSecurityConfiguration } from './config';

type RegistryOf = <T extends KubeObject>(kind: KindInfo<T>) => Registry<T>;

async function lookup<T extends KubeObject>(r: Registry<T>, namespace: string, name: string): Promise<T | undefined> {
  if (!name) return undefined;
  return r.cached(namespace, name) ?? (await r.get(namespace, name).catch(() => undefined));
}

export function registrySource(registry: RegistryOf, configuration?: PodSecurityConfiguration): PodSecuritySource {
  return {
    configuration,
    async namespaceLabels(name) {
      const ns = await lookup<Namespace>(registry(K.Namespaces), '', name);
      return ns ? (ns.metadata?.labels ?? {}) : undefined;
    },
    current: (kind, namespace, name) => lookup(registry(kind), kind.namespaced ? namespace : '', name),
    pods(namespace) {
      return registry(K.Pods).cachedList({ namespace }) as Pod[];
    },
  };
}
