// Does one set of RBAC rules cover another? Kubernetes' policy comparator (component-helpers
// auth/rbac/validation Covers, and pkg/registry/rbac/validation CompactRules): the rules asked
// for are broken down to one verb, group, resource and name each, and every piece must be covered
// by one owner rule. What is not covered is described in Kubernetes' CompactString words.
import { PolicyRule } from '../../../../lib/gen/kite/rbac/v1/types';

const ALL = '*';

const has = (set: string[], v: string) => set.includes(v);
const hasAll = (set: string[], wanted: string[]) => wanted.every((v) => set.includes(v));

/** One rule per (group, resource, verb, name) and per (non-resource URL, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups) {
    for (const resource of rule.resources) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames.length ? rule.resourceNames.map((n) => [n]) : [[]];
        for (const resourceNames of names) out.push(PolicyRule.fromPartial({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames }));
      }
    }
  }
  for (const url of rule.nonResourceURLs) {
    for (const verb of rule.verbs) out.push(PolicyRule.fromPartial({ nonResourceURLs: [url], verbs: [verb] }));
  }
  return out;
}

function resourcesCover(owner: string[], wanted: string[]): boolean {
  if (has(owner, ALL) || hasAll(owner, wanted)) return true;
  return wanted.every((path) => {
    if (has(owner, path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && has(owner, `*${path.slice(slash)}`);
  });
}

function nonResourceURLCovers(owner: string, path: string): boolean {
  return owner === path || (owner.endsWith('*') && path.startsWith(owner.replace(/\*+$/, '')));
}

/** Does `owner` (any rule) cover `sub` (a broken-down rule)? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources, sub.resources);
  const urls = sub.nonResourceURLs.every((p) => owner.nonResourceURLs.some((o) => nonResourceURLCovers(o, p)));
  const names = owner.resourceNames.length === 0 || (sub.resourceNames.length > 0 && hasAll(owner.resourceNames, sub.resourceNames));
  return verbs && groups && resources && urls && names;
}

/** The broken-down pieces of `wanted` that no rule of `owner` covers (empty: covered). */
export function uncovered(owner: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
}

/** Merges rules for one group and resource (and at most one name) that differ only in verbs. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = r.resourceNames.length <= 1 && r.nonResourceURLs.length === 0 && r.apiGroups.length === 1 && r.resources.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups[0], r.resources[0], r.resourceNames[0] ?? null]);
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...r.verbs);
    else {
      const copy = structuredClone(r);
      simple.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

/** Go's %q of a string list: ["a" "b"]. */
export function quotedList(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Kubernetes' PolicyRule.CompactString: {APIGroups:[""], Resources:["pods"], Verbs:["get"]}. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups.length) parts.push(`APIGroups:${quotedList(r.apiGroups)}`);
  if (r.resources.length) parts.push(`Resources:${quotedList(r.resources)}`);
  if (r.nonResourceURLs.length) parts.push(`NonResourceURLs:${quotedList(r.nonResourceURLs)}`);
  if (r.resourceNames.length) parts.push(`ResourceNames:${quotedList(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${quotedList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
