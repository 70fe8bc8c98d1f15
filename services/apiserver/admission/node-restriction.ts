// Kubernetes' NodeRestriction admission: a node identity (system:node:<name>) may write only its
// own Node, its Lease and the pods bound to it (node-policy.ts decides), even when another
// authorizer (say, a careless RoleBinding) allowed more; and it may only ask for service-account
// tokens bound to a pod scheduled to it (Kubernetes' admitServiceAccount).
import { ForbiddenError, NotFoundError } from '../../../lib/api/errors';
import { forbidden } from '../auth/authz/forbidden';
import { nodeDecision, type PodLookup } from '../auth/node/node-policy';
import { nodeNameOf } from '../auth/user-info';
import type { AdmissionPlugin, AdmissionRequest } from './chain';

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  constructor(private readonly pods: PodLookup) {}

  /** Refuses (PERMISSION_DENIED) a node identity's write to another node's object. */
  async validate(req: AdmissionRequest): Promise<void> {
    const { user, attributes: attrs } = req;
    const node = nodeNameOf(user);
    if (!node || attrs.verb === 'get' || attrs.verb === 'list' || attrs.verb === 'watch') return;
    if (attrs.resource === 'serviceaccounts' && attrs.subresource === 'token' && attrs.apiGroup === '') return this.admitTokenRequest(node, attrs.name, attrs.namespace, req.request);
    const d = await nodeDecision(node, attrs, this.pods);
    if (d.decision === 'deny') throw forbidden(user, attrs, d.reason);
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
