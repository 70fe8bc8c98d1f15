// Kubernetes' NodeRestriction admission: a node identity (system:node:<name>) may write only its
// own Node, its Lease and the pods bound to it (node-policy.ts decides), even when another
// authorizer (say, a careless RoleBinding) allowed more; it may only ask for service-account
// tokens bound to a pod scheduled to it (Kubernetes' admitServiceAccount); and the only pods it may
// create are mirror pods of its static pods (Kubernetes' admitPodCreate): bound to itself,
// controlled by its own Node (by uid), referencing no ServiceAccount, Secret, ConfigMap or claim.
import { ForbiddenError, NotFoundError } from '../../../lib/api/errors';
import { podConfigReferences } from '../../../lib/api/pods';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { forbidden } from '../auth/authz/forbidden';
import { nodeDecision, type PodLookup } from '../auth/node/node-policy';
import { nodeNameOf } from '../auth/user-info';
import type { AdmissionPlugin, AdmissionRequest } from './chain';
import { MIRROR_POD_ANNOTATION } from './service-account';

/** Reads a Node (cache first, then storage); undefined if there is none. */
export type NodeLookup = (name: string) => Promise<Node | undefined>;

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  constructor(
    private readonly pods: PodLookup,
    private readonly nodes: NodeLookup = async () => undefined,
  ) {}

  /** Refuses (PERMISSION_DENIED) a node identity's write to another node's object. */
  async validate(req: AdmissionRequest): Promise<void> {
    const { user, attributes: attrs } = req;
    const node = nodeNameOf(user);
    if (!node || attrs.verb === 'get' || attrs.verb === 'list' || attrs.verb === 'watch') return;
    if (attrs.resource === 'serviceaccounts' && attrs.subresource === 'token' && attrs.apiGroup === '') return this.admitTokenRequest(node, attrs.name, attrs.namespace, req.request);
    if (attrs.resource === 'pods' && attrs.apiGroup === '' && attrs.verb === 'create' && attrs.subresource === '' && req.object) {
      return this.admitPodCreate(node, req.object as Pod);
    }
    const d = await nodeDecision(node, attrs, this.pods);
    if (d.decision === 'deny') throw forbidden(user, attrs, d.reason);
  }

  private async admitPodCreate(node: string, pod: Pod): Promise<void> {
    const refuse = (reason: string) => new ForbiddenError(`pods "${pod.metadata?.name ?? ''}" is forbidden: ${reason}`);
    if (pod.metadata?.annotations[MIRROR_POD_ANNOTATION] === undefined) {
      throw refuse(`pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    }
    if (pod.spec?.nodeName !== node) throw refuse(`node "${node}" can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata.ownerReferences;
    if (owners.length > 1) throw refuse(`node "${node}" can only create pods with a single owner reference set to itself`);
    const owner = owners[0];
    if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) throw refuse(`node "${node}" can only create pods with an owner reference set to itself`);
    if (!owner.controller) throw refuse(`node "${node}" can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion) throw refuse(`node "${node}" must not set blockOwnerDeletion on an owner reference`);
    const registered = await this.nodes(node);
    if (!registered) throw new NotFoundError(`nodes "${node}" not found`);
    if (owner.uid !== registered.metadata!.uid) throw refuse(`node ${node} UID mismatch: expected ${registered.metadata!.uid} got ${owner.uid}`);
    const spec = pod.spec;
    if (spec.serviceAccountName) throw refuse(`node "${node}" can not create pods that reference a service account`);
    const refs = podConfigReferences(pod);
    if (refs.some((r) => r.kind === 'Secret')) throw refuse(`node "${node}" can not create pods that reference secrets`);
    if (refs.some((r) => r.kind === 'ConfigMap')) throw refuse(`node "${node}" can not create pods that reference configmaps`);
    if (spec.volumes.some((v) => v.persistentVolumeClaim)) throw refuse(`node "${node}" can not create pods that reference persistentvolumeclaims`);
  }

  private async admitTokenRequest(node: string, name: string, namespace: string, request: { tokenRequest?: { spec?: { boundObjectRef?: { apiVersion: string; kind: string; name: string; uid: string } } } }): Promise<void> {
    const refuse = (reason: string) => new ForbiddenError(`serviceaccounts "${name}" is forbidden: ${reason}`);
    const ref = request?.tokenRequest?.spec?.boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw refuse('node requested token not bound to a pod');
    if (!ref.uid) throw refuse('node requested token with a pod binding without a uid');
    const pod = await this.pods(namespace, ref.name);
    if (!pod) throw new NotFoundError(`pods "${ref.name}" not found`);
    if (pod.metadata!.uid !== ref.uid) {
      throw refuse(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (pod.spec?.nodeName !== node) throw refuse('node requested token bound to a pod scheduled on a different node');
  }
}
