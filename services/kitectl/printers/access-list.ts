// `auth can-i --list`'s table, as kubectl prints a SelfSubjectRulesReview's status
// (kubectl/pkg/cmd/auth/cani.go printStatus): every rule broken down to one group, resource and
// name (or one non-resource URL) each (rbac util BreakdownRule), rules of one group, resource and
// name merged (CompactRules), sorted by Go's String() of the PolicyRule, then written through the
// tabwriter with kubectl's table settings.
import { tabulate, TABLE_OPTIONS } from '../../../lib/util/tabwriter';

export interface AccessRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

const sorted = (l: string[]) => [...l].sort();

/** rbac util's BreakdownRule (with PolicyRuleBuilder's sorting of verbs). */
export function breakdownRule(rule: AccessRule): AccessRule[] {
  const verbs = sorted(rule.verbs);
  const out: AccessRule[] = [];
  for (const group of rule.apiGroups) {
    for (const resource of rule.resources) {
      const names = rule.resourceNames.length ? rule.resourceNames.map((n) => [n]) : [[]];
      for (const resourceNames of names) out.push({ verbs, apiGroups: [group], resources: [resource], resourceNames, nonResourceURLs: [] });
    }
  }
  for (const url of rule.nonResourceURLs) out.push({ verbs, apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [url] });
  return out;
}

/** rbac util's CompactRules: rules of one group, resource and (at most one) name merge their verbs. */
export function compactRules(rules: AccessRule[]): AccessRule[] {
  const compacted: AccessRule[] = [];
  const simple = new Map<string, AccessRule>();
  for (const r of rules) {
    const isSimple = r.resourceNames.length <= 1 && !r.nonResourceURLs.length && r.apiGroups.length === 1 && r.resources.length === 1;
    if (!isSimple) {
      compacted.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups[0], r.resources[0], r.resourceNames]);
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...r.verbs.filter((v) => !existing.verbs.includes(v)));
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...compacted, ...simple.values()];
}

const goList = (l: string[]) => `[${l.join(' ')}]`;

/** The generated String() of rbacv1.PolicyRule, which kubectl sorts by. */
function goString(r: AccessRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

/** describe.CombineResourceGroup: "deployments.apps", "pods/log", "" for a non-resource rule. */
function resourceGroup(r: AccessRule): string {
  if (!r.resources.length) return '';
  const [resource, sub] = r.resources[0].split(/\/(.*)/s);
  const group = r.apiGroups[0] ? `.${r.apiGroups[0]}` : '';
  return `${resource}${group}${sub !== undefined ? `/${sub}` : ''}`;
}

/** The table `kubectl auth can-i --list` prints for these rules. */
export function accessTable(rules: AccessRule[], noHeaders = false): string {
  const compact = compactRules(rules.flatMap(breakdownRule)).sort((a, b) => {
    const x = goString(a);
    const y = goString(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const lines = compact.map((r) => `${resourceGroup(r)}\t${goList(r.nonResourceURLs)}\t${goList(r.resourceNames)}\t${goList(r.verbs)}\n`);
  return tabulate(`${noHeaders ? '' : 'Resources\tNon-Resource URLs\tResource Names\tVerbs\n'}${lines.join('')}`, TABLE_OPTIONS);
}
