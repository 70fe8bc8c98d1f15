// --authorization-mode Node: allows what node-policy allows a node identity, and stays silent
// otherwise, leaving RBAC to decide. Secrets and ConfigMaps are readable one by one when a pod
// bound to the node names them; tokens of the ServiceAccounts its pods run as may be created;
// PersistentVolumeClaims its pods name and the PersistentVolumes bound to them may be read.
// Its companion, the NodeRestriction admission plugin, is in admission/node-restriction.ts.
import type { AuthorizationResult, Authorizer } from '../authz/authorizer';
import { NO_RULES, type RuleSet } from '../authz/rule-resolver';
import type { RequestAttributes } from '../request-attributes';
import { nodeNameOf, type UserInfo } from '../user-info';
import {
  type ClaimLookup,
  configObjectDecision,
  nodeDecision,
  persistentVolumeDecision,
  serviceAccountTokenDecision,
  type PodLookup,
  type PodsOnNode,
} from './node-policy';

export class NodeAuthorizer implements Authorizer {
  constructor(
    private readonly pods: PodLookup,
    private readonly podsOnNode: PodsOnNode,
    private readonly claims: ClaimLookup = () => undefined,
  ) {}

  async authorize(user: UserInfo, attrs: RequestAttributes): Promise<AuthorizationResult> {
    const node = nodeNameOf(user);
    if (!node) return { decision: 'no-opinion', reason: '' };
    const config = configObjectDecision(node, attrs, this.podsOnNode);
    const token = config.decision === 'no-opinion' ? serviceAccountTokenDecision(node, attrs, this.podsOnNode) : config;
    const volume = token.decision === 'no-opinion' ? persistentVolumeDecision(node, attrs, this.podsOnNode, this.claims) : token;
    const d = volume.decision === 'no-opinion' ? await nodeDecision(node, attrs, this.pods) : volume;
    if (d.decision === 'allow') return { decision: 'allow', reason: `Node: allowed for node "${node}"` };
    return { decision: 'no-opinion', reason: d.decision === 'deny' ? d.reason : '' };
  }

  /** A node's permissions depend on its pods, so they cannot be listed (Kubernetes' NodeAuthorizer.RulesFor). */
  resolveRules(user: UserInfo): RuleSet {
    if (!nodeNameOf(user)) return NO_RULES;
    return { ...NO_RULES, incomplete: true, errors: ['node authorizer does not support user rule resolution'] };
  }
}
