// What a call on the kubelet's endpoint asks to do, as Kubernetes' kubelet authorizes it
// (pkg/kubelet/server/auth.go): every call is a request on the node's own `nodes` object, by
// default on its `proxy` subresource. Exec (Kubernetes' exec, attach, portforward, run) is
// `create nodes/proxy`; ContainerLogs (/containerLogs) is `get nodes/proxy`; health and server
// reflection (GET /healthz) are `get nodes/proxy`; any other method is `create nodes/proxy`, the
// strictest. GetSummary (/stats/summary) is `get nodes/stats` and GetResourceMetrics
// (/metrics/resource) `get nodes/metrics`; Kubernetes' /logs (`nodes/log`) has no counterpart on
// Kite's endpoint. The refusals use the kubelet's wording.
import type { CertificateUser } from '../../../lib/pki/client-identity';

export interface KubeletRequestAttributes {
  user: CertificateUser;
  verb: string;
  resource: 'nodes';
  subresource: string;
  /** The node's name. */
  name: string;
}

const KUBELET_SERVICE = '/kite.kubelet.v1.KubeletService/';

const METHODS: Record<string, { verb: string; subresource: string }> = {
  [`${KUBELET_SERVICE}Exec`]: { verb: 'create', subresource: 'proxy' },
  [`${KUBELET_SERVICE}ContainerLogs`]: { verb: 'get', subresource: 'proxy' },
  [`${KUBELET_SERVICE}GetSummary`]: { verb: 'get', subresource: 'stats' },
  [`${KUBELET_SERVICE}GetResourceMetrics`]: { verb: 'get', subresource: 'metrics' },
};

const READ_ONLY_SERVICES = ['/grpc.health.v1.Health/', '/grpc.reflection.v1.ServerReflection/', '/grpc.reflection.v1alpha.ServerReflection/'];

/** The attributes of a call of `method` ("/package.Service/Method") on node `nodeName`'s kubelet. */
export function kubeletRequestAttributes(user: CertificateUser, method: string, nodeName: string): KubeletRequestAttributes {
  const known = METHODS[method] ?? (READ_ONLY_SERVICES.some((s) => method.startsWith(s)) ? { verb: 'get', subresource: 'proxy' } : { verb: 'create', subresource: 'proxy' });
  return { user, resource: 'nodes', name: nodeName, ...known };
}

const describe = (a: KubeletRequestAttributes) => `(user=${a.user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})`;

/** "Forbidden (user=alice, verb=create, resource=nodes, subresource=proxy)" */
export function forbiddenMessage(a: KubeletRequestAttributes): string {
  return `Forbidden ${describe(a)}`;
}

/** The authorizer could not decide (the apiserver did not answer). */
export function authorizationErrorMessage(a: KubeletRequestAttributes): string {
  return `Authorization error ${describe(a)}`;
}
