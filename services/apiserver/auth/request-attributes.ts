// What the authorizer sees of a request, as Kubernetes' authorizer.Attributes: the verb, the
// resource (API group, resource, subresource), namespace and name; or, for a request that is
// not about a resource, a path. Every gRPC method of a kind maps onto these here.
import type { KindInfo } from '../../../lib/api/kinds';
import { parseFieldSelector } from '../../../lib/api/selectors';

export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  /** "" for cluster-scoped resources and for list/watch across all namespaces. */
  namespace: string;
  /** "" for list/watch/create-without-name. */
  name: string;
  resourceRequest: boolean;
  /** Non-resource requests only. */
  path: string;
}

export const READ_VERBS: ReadonlySet<string> = new Set(['get', 'list', 'watch']);

export function resourceAttributes(a: Partial<RequestAttributes> & { verb: string; resource: string }): RequestAttributes {
  return { apiGroup: '', subresource: '', namespace: '', name: '', path: '', ...a, resourceRequest: true };
}

export function nonResourceAttributes(verb: string, path: string): RequestAttributes {
  return { verb, path, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', resourceRequest: false };
}

/** "pods/status" */
export function fullResource(a: RequestAttributes): string {
  return a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
}

type AnyRequest = Record<string, any>;

/**
 * The name a list or watch is restricted to by a metadata.name=<name> field selector, as
 * Kubernetes' RequestInfoFactory sets it (so the Node authorizer and RBAC resourceNames can
 * allow reading one object by list+watch); "" otherwise.
 */
function selectedName(fieldSelector: string | undefined): string {
  let selector;
  try {
    selector = parseFieldSelector(fieldSelector);
  } catch {
    return '';
  }
  const name = selector.requirements.find((r) => r.field === 'metadata.name' && r.operator === '=')?.value ?? '';
  return name === '.' || name === '..' || /[/%]/.test(name) ? '' : name;
}

/** The attributes of one call of a <Kind>Service method (`rpc` without the service, e.g. "UpdatePodStatus"). */
export function attributesForCall(kind: KindInfo<any>, rpc: string, req: AnyRequest): RequestAttributes {
  const obj = req?.[kind.requestField] as { metadata?: { name?: string; namespace?: string } } | undefined;
  const ns = (requested: string | undefined) => (kind.namespaced ? requested || 'default' : '');
  const base = { apiGroup: kind.group, resource: kind.resource };
  const named = (verb: string, subresource = '') => resourceAttributes({ ...base, verb, subresource, namespace: ns(req?.namespace), name: req?.name ?? '' });
  switch (kind.verbOf(rpc)) {
    case 'create':
      return resourceAttributes({ ...base, verb: 'create', namespace: ns(req?.namespace || obj?.metadata?.namespace), name: obj?.metadata?.name ?? '' });
    case 'update':
      return resourceAttributes({ ...base, verb: 'update', namespace: ns(obj?.metadata?.namespace), name: obj?.metadata?.name ?? '' });
    case 'updateStatus':
      return resourceAttributes({ ...base, verb: 'update', subresource: 'status', namespace: ns(obj?.metadata?.namespace), name: obj?.metadata?.name ?? '' });
    case 'get':
      return named('get');
    case 'delete':
      return named('delete');
    case 'deleteCollection':
      return resourceAttributes({ ...base, verb: 'deletecollection', namespace: ns(req?.namespace) });
    case 'evict':
      return named('create', 'eviction');
    case 'patch':
      return named('patch', req?.subresource ?? '');
    case 'list':
      return resourceAttributes({ ...base, verb: 'list', namespace: kind.namespaced ? req?.namespace ?? '' : '', name: selectedName(req?.fieldSelector) });
    case 'watch':
      return resourceAttributes({ ...base, verb: 'watch', namespace: kind.namespaced ? req?.namespace ?? '' : '', name: selectedName(req?.fieldSelector) });
    case 'bind':
      return named('create', 'binding');
    case 'getScale':
      return named('get', 'scale');
    case 'updateScale':
      return named('update', 'scale');
    case 'createToken':
      return named('create', 'token');
    default:
      throw new Error(`no authorization attributes for ${kind.serviceName}/${rpc}`);
  }
}

/** pods/log (PodService/PodLogs): "get" on the pod's log subresource. */
export function podLogsAttributes(req: { namespace?: string; podName?: string } | undefined): RequestAttributes {
  return resourceAttributes({ verb: 'get', resource: 'pods', subresource: 'log', namespace: req?.namespace || 'default', name: req?.podName ?? '' });
}

/** pods/exec (PodService/ExecPod, from its first message's start): "create" on the exec subresource. */
export function podExecAttributes(first: { start?: { namespace?: string; podName?: string } } | undefined): RequestAttributes {
  const start = first?.start;
  return resourceAttributes({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: start?.namespace || 'default', name: start?.podName ?? '' });
}

/** pods/attach (PodService/AttachPod, from its first message's start): "create" on the attach subresource. */
export function podAttachAttributes(first: { start?: { namespace?: string; podName?: string } } | undefined): RequestAttributes {
  const start = first?.start;
  return resourceAttributes({ verb: 'create', resource: 'pods', subresource: 'attach', namespace: start?.namespace || 'default', name: start?.podName ?? '' });
}

/** pods/portforward (PodService/PortForwardPod, from its first message's start): "create" on the portforward subresource. */
export function podPortForwardAttributes(first: { start?: { namespace?: string; podName?: string } } | undefined): RequestAttributes {
  const start = first?.start;
  return resourceAttributes({ verb: 'create', resource: 'pods', subresource: 'portforward', namespace: start?.namespace || 'default', name: start?.podName ?? '' });
}
