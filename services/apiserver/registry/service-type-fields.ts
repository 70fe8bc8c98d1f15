// Kubernetes' dropTypeDependentFields (pkg/registry/core/service/strategy.go): on an update that
// changes a Service's type, the fields only the old type needed (clusterIP, node ports, the
// health check node port, externalTrafficPolicy) are wiped when the user left them as they
// were, so a `type: ExternalName` or `type: ClusterIP` edit of a fetched object is valid. The
// allocator then gives back what was wiped.
import type { Service } from '../../../lib/gen/kite/core/v1/types';

const needsClusterIP = (svc: Service) => svc.spec?.type !== 'ExternalName';
const needsNodePort = (svc: Service) => svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
const needsHealthCheckNodePort = (svc: Service) => svc.spec?.type === 'LoadBalancer' && svc.spec?.externalTrafficPolicy === 'Local';
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function dropServiceTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec;
  const was = old.spec;
  if (!spec || !was) return;
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (spec.clusterIP === was.clusterIP && same(spec.clusterIPs, was.clusterIPs)) {
      spec.clusterIP = '';
      spec.clusterIPs = [];
    }
    if (same(spec.ipFamilies, was.ipFamilies)) spec.ipFamilies = [];
    if (spec.ipFamilyPolicy === was.ipFamilyPolicy) spec.ipFamilyPolicy = '';
  }
  if (needsNodePort(old) && !needsNodePort(svc) && same(spec.ports.map((p) => p.nodePort), was.ports.map((p) => p.nodePort))) {
    for (const p of spec.ports) p.nodePort = 0;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(svc) && spec.healthCheckNodePort === was.healthCheckNodePort) {
    spec.healthCheckNodePort = 0;
  }
  if (needsNodePort(old) && !needsNodePort(svc) && spec.externalTrafficPolicy === was.externalTrafficPolicy) {
    spec.externalTrafficPolicy = '';
  }
}
