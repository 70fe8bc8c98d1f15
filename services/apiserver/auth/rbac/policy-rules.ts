// Kubernetes' RBAC matching rules: "*" matches any verb, group or resource; "*/scale" any
// resource's scale subresource; "pods" does not cover "pods/status"; resourceNames limit a rule
// to named objects (and so never match create, list or watch without a name); non-resource
// URLs match exactly or by a trailing "*" prefix.
import type { PolicyRule, Subject } from '../../../../lib/gen/kite/rbac/v1/types';
import { fullResource, type RequestAttributes } from '../request-attributes';
import { SERVICE_ACCOUNT_PREFIX, type UserInfo } from '../user-info';

const ALL = '*';

const has = (list: string[], v: string) => list.includes(ALL) || list.includes(v);

function resourceMatches(rule: PolicyRule, a: RequestAttributes): boolean {
  const combined = fullResource(a);
  return rule.resources.some((r) => r === ALL || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
}

function resourceNameMatches(rule: PolicyRule, a: RequestAttributes): boolean {
  if (rule.resourceNames.length === 0) return true;
  const name = a.verb === 'create' && a.subresource === '' ? '' : a.name;
  return name !== '' && rule.resourceNames.includes(name);
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return rule.nonResourceURLs.some((u) => u === ALL || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path);
  return has(rule.apiGroups, a.apiGroup) && resourceMatches(rule, a) && resourceNameMatches(rule, a);
}

/** Does a binding's subject name this user? `bindingNamespace` defaults ServiceAccount subjects of RoleBindings. */
export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `${SERVICE_ACCOUNT_PREFIX}${s.namespace || bindingNamespace}:${s.name}`;
    default:
      return false;
  }
}
