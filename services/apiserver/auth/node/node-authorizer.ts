// --authorization-mode Node, and the NodeRestriction admission that comes with it. The
// authorizer allows what node-policy allows (and stays silent otherwise, leaving RBAC to
// decide); the restriction refuses node identities' writes to other nodes' objects even when
// another authorizer (say, a careless RoleBinding) allowed them.
import type { AuthorizationResult, Authorizer } from '../authz/authorizer';
import { forbidden } from '../authz/forbidden';
import type { RequestAttributes } from '../request-attributes';
import { nodeNameOf, type UserInfo } from '../user-info';
import { nodeDecision, type PodLookup } from './node-policy';

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly pods: PodLookup) {}

  async authorize(user: UserInfo, attrs: RequestAttributes): Promise<AuthorizationResult> {
    const node = nodeNameOf(user);
    if (!node) return { decision: 'no-opinion', reason: '' };
    const d = await nodeDecision(node, attrs, this.pods);
    if (d.decision === 'allow') return { decision: 'allow', reason: `Node: allowed for node "${node}"` };
    return { decision: 'no-opinion', reason: d.decision === 'deny' ? d.reason : '' };
  }
}

export class NodeRestriction {
  constructor(private readonly pods: PodLookup) {}

  /** Throws PERMISSION_DENIED if a node identity writes another node's object. */
  async admit(user: UserInfo, attrs: RequestAttributes): Promise<void> {
    const node = nodeNameOf(user);
    if (!node || attrs.verb === 'get' || attrs.verb === 'list' || attrs.verb === 'watch') return;
    const d = await nodeDecision(node, attrs, this.pods);
    if (d.decision === 'deny') throw forbidden(user, attrs, d.reason);
  }
}
