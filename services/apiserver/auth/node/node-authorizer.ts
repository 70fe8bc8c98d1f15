// --authorization-mode Node: allows what node-policy allows a node identity, and stays silent
// otherwise, leaving RBAC to decide. Secrets and ConfigMaps are readable one by one when a pod
// bound to the node names them. Its companion, the NodeRestriction admission plugin, is in
// admission/node-restriction.ts.
import type { AuthorizationResult, Authorizer } from '../authz/authorizer';
import type { RequestAttributes } from '../request-attributes';
import { nodeNameOf, type UserInfo } from '../user-info';
import { configObjectDecision, nodeDecision, type PodLookup, type PodsOnNode } from './node-policy';

export class NodeAuthorizer implements Authorizer {
  constructor(
    private readonly pods: PodLookup,
    private readonly podsOnNode: PodsOnNode,
  ) {}

  async authorize(user: UserInfo, attrs: RequestAttributes): Promise<AuthorizationResult> {
    const node = nodeNameOf(user);
    if (!node) return { decision: 'no-opinion', reason: '' };
    const config = configObjectDecision(node, attrs, this.podsOnNode);
    const d = config.decision === 'no-opinion' ? await nodeDecision(node, attrs, this.pods) : config;
    if (d.decision === 'allow') return { decision: 'allow', reason: `Node: allowed for node "${node}"` };
    return { decision: 'no-opinion', reason: d.decision === 'deny' ? d.reason : '' };
  }
}
