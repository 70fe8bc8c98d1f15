// Authorizers and their chain (--authorization-mode "Node,RBAC"): each says allow, deny or no
// opinion; the first allow or deny wins, and a request nobody allows is forbidden, with the
// reasons collected on the way (Kubernetes' union authorizer). An authorizer that can also list
// what it grants a user (rule-resolver.ts) answers SelfSubjectRulesReview; the chain unions them.
import type { RequestAttributes } from '../request-attributes';
import type { UserInfo } from '../user-info';
import { NO_RULES, unionRules, type RuleResolver, type RuleSet } from './rule-resolver';

export type Decision = 'allow' | 'deny' | 'no-opinion';

export interface AuthorizationResult {
  decision: Decision;
  reason: string;
}

export interface Authorizer extends Partial<RuleResolver> {
  authorize(user: UserInfo, attrs: RequestAttributes): AuthorizationResult | Promise<AuthorizationResult>;
}

export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'RBAC', 'Node'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

export const alwaysAllow: Authorizer = {
  authorize: () => ({ decision: 'allow', reason: '' }),
  resolveRules: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
    errors: [],
  }),
};
export const alwaysDeny: Authorizer = { authorize: () => ({ decision: 'deny', reason: 'Everything is forbidden.' }), resolveRules: () => NO_RULES };

export class UnionAuthorizer implements Authorizer {
  constructor(private readonly chain: Authorizer[]) {}

  async authorize(user: UserInfo, attrs: RequestAttributes): Promise<AuthorizationResult> {
    const reasons: string[] = [];
    for (const a of this.chain) {
      const r = await a.authorize(user, attrs);
      if (r.decision !== 'no-opinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'no-opinion', reason: reasons.join(', ') };
  }

  async resolveRules(user: UserInfo, namespace: string): Promise<RuleSet> {
    return unionRules(await Promise.all(this.chain.map((a) => a.resolveRules?.(user, namespace) ?? NO_RULES)));
  }
}

/** Parses --authorization-mode ("Node,RBAC"); unknown or repeated modes are errors. */
export function parseAuthorizationModes(flag: string): AuthorizationMode[] {
  const modes = flag.split(',').map((m) => m.trim()).filter(Boolean);
  if (modes.length === 0) throw new Error('--authorization-mode needs at least one mode');
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) {
      throw new Error(`--authorization-mode: unknown mode "${m}" (supported: ${AUTHORIZATION_MODES.join(', ')})`);
    }
  }
  if (new Set(modes).size !== modes.length) throw new Error(`--authorization-mode: "${flag}" names a mode twice`);
  return modes as AuthorizationMode[];
}
