// `describe role|clusterrole|rolebinding|clusterrolebinding`, as kubectl's describers print them:
// a role's rules broken down to one group and resource (and resource name, or URL) each, rules
// of the same resource compacted into one with their verbs, sorted as Kubernetes sorts
// PolicyRules (by their String(): verbs, groups, resources, names, URLs), in a PolicyRule table;
// a binding's role and subjects.
import type { PolicyRule, RoleBinding, RoleRef, Subject } from '../../../lib/gen/kite/rbac/v1/types';
import type { ObjectMeta } from '../../../lib/gen/kite/meta/v1/meta';
import { DescribeWriter, writeAnnotations, writeLabels } from './describe-writer';

const rule = (verbs: string[], parts: Partial<PolicyRule>): PolicyRule => ({
  verbs: [...verbs],
  apiGroups: [...(parts.apiGroups ?? [])],
  resources: [...(parts.resources ?? [])],
  resourceNames: [...(parts.resourceNames ?? [])],
  nonResourceURLs: [...(parts.nonResourceURLs ?? [])],
});

/** Kubernetes' rbac.BreakdownRule: one rule per group, resource and resource name, and per URL. */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of r.apiGroups) {
    for (const resource of r.resources) {
      if (r.resourceNames.length) {
        for (const name of r.resourceNames) out.push(rule(r.verbs, { apiGroups: [group], resources: [resource], resourceNames: [name] }));
      } else {
        out.push(rule(r.verbs, { apiGroups: [group], resources: [resource] }));
      }
    }
  }
  for (const url of r.nonResourceURLs) out.push(rule(r.verbs, { nonResourceURLs: [url] }));
  return out;
}

/** Kubernetes' rbac.CompactRules: single-resource rules of the same group, resource and name share one rule. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = r.apiGroups.length === 1 && r.resources.length === 1 && r.resourceNames.length <= 1 && r.nonResourceURLs.length === 0;
    if (!isSimple) {
      compacted.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups[0], r.resources[0], r.resourceNames.length > 0, r.resourceNames[0] ?? '']);
    const existing = simple.get(key);
    if (existing) {
      for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
    } else {
      simple.set(key, { ...r, verbs: [...r.verbs] });
    }
  }
  return [...compacted, ...simple.values()];
}

/** Go's %v of a []string. */
const list = (xs: string[]) => `[${xs.join(' ')}]`;

/** The generated PolicyRule.String() that rbac.SortableRuleSlice compares. */
const ruleString = (r: PolicyRule) =>
  `&PolicyRule{Verbs:${list(r.verbs)},APIGroups:${list(r.apiGroups)},Resources:${list(r.resources)},ResourceNames:${list(r.resourceNames)},NonResourceURLs:${list(r.nonResourceURLs)},}`;

/** kubectl's CombineResourceGroup: "deployments.apps/scale". */
function resourceGroup(resources: string[], groups: string[]): string {
  if (!resources.length) return '';
  const [base, sub] = resources[0].split(/\/(.*)/s);
  return `${base}${groups[0] ? `.${groups[0]}` : ''}${sub !== undefined ? `/${sub}` : ''}`;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A Role or ClusterRole (kubectl's describeRole and describeClusterRole). */
export function describeRole(role: { metadata?: ObjectMeta; rules: PolicyRule[] }): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${role.metadata?.name}\n`);
  writeLabels(w, 'Labels', role.metadata?.labels);
  writeAnnotations(w, role.metadata?.annotations);
  const rules = compactRules(role.rules.flatMap(breakdownRule)).sort((a, b) => byteOrder(ruleString(a), ruleString(b)));
  w.write(0, 'PolicyRule:\n');
  w.write(1, 'Resources\tNon-Resource URLs\tResource Names\tVerbs\n');
  w.write(1, '---------\t-----------------\t--------------\t-----\n');
  for (const r of rules) w.write(1, `${resourceGroup(r.resources, r.apiGroups)}\t${list(r.nonResourceURLs)}\t${list(r.resourceNames)}\t${list(r.verbs)}\n`);
  return w.toString();
}

/** A RoleBinding or ClusterRoleBinding (kubectl's describeRoleBinding and describeClusterRoleBinding). */
export function describeRoleBinding(binding: { metadata?: ObjectMeta; roleRef?: RoleRef; subjects: Subject[] } | RoleBinding): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${binding.metadata?.name}\n`);
  writeLabels(w, 'Labels', binding.metadata?.labels);
  writeAnnotations(w, binding.metadata?.annotations);
  w.write(0, 'Role:\n');
  w.write(1, `Kind:\t${binding.roleRef?.kind ?? ''}\n`);
  w.write(1, `Name:\t${binding.roleRef?.name ?? ''}\n`);
  w.write(0, 'Subjects:\n');
  w.write(1, 'Kind\tName\tNamespace\n');
  w.write(1, '----\t----\t---------\n');
  for (const s of binding.subjects) w.write(1, `${s.kind}\t${s.name}\t${s.namespace}\n`);
  return w.toString();
}
