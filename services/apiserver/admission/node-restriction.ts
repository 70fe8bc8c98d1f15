// Kubernetes' NodeRestriction admission: a node identity (system:node:<name>) may write only its
// own Node, its Lease and the pods bound to it (node-policy.ts decides), even when another
// authorizer (say, a careless RoleBinding) allowed more.
import { forbidden } from '../auth/authz/forbidden';
import { nodeDecision, type PodLookup } from '../auth/node/node-policy';
import { nodeNameOf } from '../auth/user-info';
import type { AdmissionPlugin, AdmissionRequest } from './chain';

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction';

  constructor(private readonly pods: PodLookup) {}

  /** Refuses (PERMISSION_DENIED) a node identity's write to another node's object. */
  async validate({ user, attributes: attrs }: AdmissionRequest): Promise<void> {
    const node = nodeNameOf(user);
    if (!node || attrs.verb === 'get' || attrs.verb === 'list' || attrs.verb === 'watch') return;
    const d = await nodeDecision(node, attrs, this.pods);
    if (d.decision === 'deny') throw forbidden(user, attrs, d.reason);
  }
}
