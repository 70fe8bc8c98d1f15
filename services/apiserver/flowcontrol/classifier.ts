// Which flow schema, priority level and flow a request belongs to, as Kubernetes' APF
// classifier (apf_controller.go, rule.go): the matching schema with the lowest precedence wins;
// its distinguisher splits it into flows (one per user, or one per namespace).
import { SERVICE_ACCOUNT_PREFIX, type UserInfo } from '../auth/user-info';
import { fullResource, type RequestAttributes } from '../auth/request-attributes';
import type { FlowSchema, NonResourcePolicyRule, ResourcePolicyRule, Subject } from './bootstrap';

export interface Classification {
  flowSchema: string;
  priorityLevel: string;
  /** The flow's distinguisher ("" when the schema has none). */
  flow: string;
}

const has = (list: string[], v: string) => list.includes('*') || list.includes(v);

export function subjectMatches(s: Subject, user: UserInfo): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === '*' || s.name === user.name;
    case 'Group':
      return s.name === '*' || user.groups.includes(s.name);
    case 'ServiceAccount': {
      const prefix = `${SERVICE_ACCOUNT_PREFIX}${s.namespace}:`;
      if (!user.name.startsWith(prefix)) return false;
      const name = user.name.slice(prefix.length);
      return !name.includes(':') && (s.name === '*' || s.name === name);
    }
  }
}

function resourceRuleMatches(r: ResourcePolicyRule, a: RequestAttributes): boolean {
  if (!a.resourceRequest || !has(r.verbs, a.verb) || !has(r.apiGroups, a.apiGroup) || !has(r.resources, fullResource(a))) return false;
  return a.namespace === '' ? r.clusterScope : has(r.namespaces, a.namespace);
}

function nonResourceRuleMatches(r: NonResourcePolicyRule, a: RequestAttributes): boolean {
  if (a.resourceRequest || !has(r.verbs, a.verb)) return false;
  return r.nonResourceURLs.some((u) => u === '*' || u === a.path || (u.endsWith('/*') && a.path.startsWith(u.slice(0, -1))));
}

export function schemaMatches(fs: FlowSchema, user: UserInfo, a: RequestAttributes): boolean {
  return fs.rules.some(
    (r) =>
      r.subjects.some((s) => subjectMatches(s, user)) &&
      (r.resourceRules.some((rr) => resourceRuleMatches(rr, a)) || r.nonResourceRules.some((nr) => nonResourceRuleMatches(nr, a))),
  );
}

export class Classifier {
  private readonly schemas: FlowSchema[];

  constructor(schemas: FlowSchema[]) {
    // Ties on precedence go by name, as Kubernetes orders them.
    this.schemas = [...schemas].sort((x, y) => x.matchingPrecedence - y.matchingPrecedence || x.name.localeCompare(y.name));
  }

  /** undefined when no schema matches (the mandatory catch-all schema makes that impossible). */
  classify(user: UserInfo, a: RequestAttributes): Classification | undefined {
    const fs = this.schemas.find((s) => schemaMatches(s, user, a));
    if (!fs) return undefined;
    const flow = fs.distinguisher === 'ByUser' ? user.name : fs.distinguisher === 'ByNamespace' ? a.namespace : '';
    return { flowSchema: fs.name, priorityLevel: fs.priorityLevel, flow };
  }
}
