// What an authorizer can list of a user's permissions (Kubernetes' authorizer.RuleResolver, behind
// SelfSubjectRulesReview and `kubectl auth can-i --list`): resource and non-resource rules, whether
// the list is incomplete (an authorizer that decides per request, like Node, cannot list), and the
// errors met on the way, joined as Kubernetes' utilerrors.NewAggregate prints them.
import type { UserInfo } from '../user-info';

export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RuleSet {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  incomplete: boolean;
  errors: string[];
}

export interface RuleResolver {
  /** The rules that apply to `user` cluster-wide and in `namespace`. */
  resolveRules(user: UserInfo, namespace: string): RuleSet | Promise<RuleSet>;
}

export const NO_RULES: RuleSet = { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };

/** An aggregate error's message: one error as is, several deduplicated in brackets ("[a, b]"). */
export function aggregateMessage(errors: readonly string[]): string {
  if (errors.length <= 1) return errors[0] ?? '';
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** Kubernetes' unionAuthzRulesHandler: every resolver's rules, incomplete if any is. */
export function unionRules(sets: readonly RuleSet[]): RuleSet {
  return {
    resourceRules: sets.flatMap((s) => s.resourceRules),
    nonResourceRules: sets.flatMap((s) => s.nonResourceRules),
    incomplete: sets.some((s) => s.incomplete),
    errors: sets.flatMap((s) => s.errors),
  };
}
