// What a kubelet (user system:node:<name> in group system:nodes) may do, as Kubernetes' Node
// authorizer and NodeRestriction admission plugin decide it: read what a node needs (nodes,
// pods, services, endpoints, namespaces, leases, the secrets, configmaps and persistent volume
// claims its pods name and the persistent volumes bound to those claims),
// publish events, and write only its own
// objects: its Node and Node status, its Lease in kube-node-lease, the status of pods bound
// to it (and their deletion, which the kubelet finishes) and the mirror pods of its static pods. It may also ask access reviews about
// the callers of its own endpoint (its Webhook authorizer). Anything about another node's
// objects is denied with the reason.
import { podConfigReferences } from '../../../../lib/api/pods';
import type { PersistentVolumeClaim, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { READ_VERBS, type RequestAttributes } from '../request-attributes';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export type NodeDecision = { decision: 'allow' } | { decision: 'deny'; reason: string } | { decision: 'no-opinion' };

/** Reads a pod's current state (cache first, then storage); undefined if there is none. */
export type PodLookup = (namespace: string, name: string) => Promise<Pod | undefined>;

/** The pods bound to a node in a namespace, "" for all (the Node authorizer's graph: node <- pod -> secret/configmap/pvc). */
export type PodsOnNode = (node: string, namespace: string) => Pod[];

/** A PersistentVolumeClaim from the watch cache (the graph's pvc -> pv edge); undefined if none. */
export type ClaimLookup = (namespace: string, name: string) => PersistentVolumeClaim | undefined;

const ALLOW: NodeDecision = { decision: 'allow' };
const NO_OPINION: NodeDecision = { decision: 'no-opinion' };
const WRITE_OWN = new Set(['create', 'update', 'patch', 'delete']);

const deny = (reason: string): NodeDecision => ({ decision: 'deny', reason });

async function podDecision(node: string, a: RequestAttributes, lookup: PodLookup): Promise<NodeDecision> {
  // Mirror pods of its static pods (Kubernetes' system:node rules); NodeRestriction checks the pod.
  if (a.verb === 'create' && a.subresource === '') return ALLOW;
  const statusWrite = a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch');
  const deletion = a.subresource === '' && a.verb === 'delete';
  if (!statusWrite && !deletion) return NO_OPINION;
  const pod = await lookup(a.namespace, a.name);
  // A pod that does not exist reveals nothing: let the request fail with NOT_FOUND.
  if (!pod) return ALLOW;
  const boundTo = pod.spec?.nodeName ?? '';
  if (boundTo === node) return ALLOW;
  const what = statusWrite ? 'update the status of' : 'delete';
  return deny(`node "${node}" can only ${what} pods bound to it, and pod "${a.name}" is ${boundTo ? `bound to node "${boundTo}"` : 'not bound to any node'}`);
}

export async function nodeDecision(node: string, a: RequestAttributes, lookup: PodLookup): Promise<NodeDecision> {
  if (!a.resourceRequest) return NO_OPINION;
  const read = READ_VERBS.has(a.verb) && a.subresource === '';
  if (a.apiGroup === '') {
    switch (a.resource) {
      case 'nodes':
        if (read) return ALLOW;
        if ((a.subresource === '' && WRITE_OWN.has(a.verb)) || (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch'))) {
          return a.name === node ? ALLOW : deny(`node "${node}" can only modify its own Node object, not node "${a.name}"`);
        }
        return NO_OPINION;
      case 'pods':
        return read ? ALLOW : podDecision(node, a, lookup);
      case 'services':
      case 'endpoints':
      case 'namespaces':
        return read ? ALLOW : NO_OPINION;
      case 'events':
        return ['create', 'update', 'patch'].includes(a.verb) ? ALLOW : NO_OPINION;
      default:
        return NO_OPINION;
    }
  }
  if (a.apiGroup === 'authorization.k8s.io' && a.resource === 'subjectaccessreviews') {
    return a.verb === 'create' && a.subresource === '' ? ALLOW : NO_OPINION;
  }
  if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') {
    if (read) return ALLOW;
    if (!WRITE_OWN.has(a.verb) || a.subresource !== '') return NO_OPINION;
    if (a.namespace === NODE_LEASE_NAMESPACE && a.name === node) return ALLOW;
    return deny(`node "${node}" can only modify its own Lease ${NODE_LEASE_NAMESPACE}/${node}, not ${a.namespace}/${a.name}`);
  }
  return NO_OPINION;
}

const CONFIG_KINDS: Record<string, 'ConfigMap' | 'Secret'> = { configmaps: 'ConfigMap', secrets: 'Secret' };

/**
 * Secrets and ConfigMaps (Kubernetes' authorizeReadNamespacedObject): a node may get, list or
 * watch one by name (list and watch name it with a metadata.name field selector) when a pod bound
 * to it names it in its env, envFrom, volumes or imagePullSecrets; anything else is refused with
 * Kubernetes' reasons. Other resources get no opinion here.
 */
export function configObjectDecision(node: string, a: RequestAttributes, podsOnNode: PodsOnNode): NodeDecision {
  const kind = a.resourceRequest && a.apiGroup === '' ? CONFIG_KINDS[a.resource] : undefined;
  if (!kind) return NO_OPINION;
  if (!READ_VERBS.has(a.verb)) return deny('can only read resources of this type');
  if (a.subresource) return deny('cannot read subresource');
  if (!a.namespace) return deny('can only read namespaced object of this type');
  if (!a.name) return deny('No Object name found');
  const referenced = podsOnNode(node, a.namespace).some((pod) => podConfigReferences(pod).some((r) => r.kind === kind && r.name === a.name));
  return referenced ? ALLOW : deny(`no relationship found between node '${node}' and this object`);
}

/**
 * PersistentVolumeClaims and PersistentVolumes (Kubernetes' authorizeGet on the graph's
 * pod -> pvc -> pv edges): a node may get a claim a pod bound to it names in a
 * persistentVolumeClaim volume, and the volume such a claim is bound to; nothing else of these
 * kinds. Other resources get no opinion here.
 */
export function persistentVolumeDecision(node: string, a: RequestAttributes, podsOnNode: PodsOnNode, claims: ClaimLookup): NodeDecision {
  if (!a.resourceRequest || a.apiGroup !== '' || (a.resource !== 'persistentvolumeclaims' && a.resource !== 'persistentvolumes')) return NO_OPINION;
  if (a.verb !== 'get' || !a.name) return deny('can only get individual resources of this type');
  if (a.subresource) return deny('cannot get subresource');
  const claimNames = (pod: Pod) => (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
  const related =
    a.resource === 'persistentvolumeclaims'
      ? podsOnNode(node, a.namespace).some((pod) => claimNames(pod).includes(a.name))
      : podsOnNode(node, '').some((pod) => claimNames(pod).some((c) => claims(pod.metadata!.namespace, c)?.spec?.volumeName === a.name));
  return related ? ALLOW : deny(`no relationship found between node '${node}' and this object`);
}

/**
 * ServiceAccounts (Kubernetes' authorizeCreateToken): a node may only create the token
 * subresource of a ServiceAccount a pod bound to it runs as; the NodeRestriction admission
 * plugin then requires the token to be bound to such a pod. Other resources get no opinion here.
 */
export function serviceAccountTokenDecision(node: string, a: RequestAttributes, podsOnNode: PodsOnNode): NodeDecision {
  if (!a.resourceRequest || a.apiGroup !== '' || a.resource !== 'serviceaccounts') return NO_OPINION;
  if (a.verb !== 'create' || !a.name) return deny('can only create tokens for individual service accounts');
  if (a.subresource !== 'token') return deny('can only create token subresource of serviceaccount');
  const used = podsOnNode(node, a.namespace).some((pod) => (pod.spec?.serviceAccountName || 'default') === a.name);
  return used ? ALLOW : deny(`no relationship found between node '${node}' and this object`);
}

/** The node a request is about writing, for the heartbeat exemption of the in-flight limits. */
export function isOwnHeartbeat(node: string, a: RequestAttributes): boolean {
  if (a.verb !== 'update' && a.verb !== 'patch' && a.verb !== 'create') return false;
  if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return a.namespace === NODE_LEASE_NAMESPACE && a.name === node;
  return a.apiGroup === '' && a.resource === 'nodes' && a.subresource === 'status' && a.name === node;
}
