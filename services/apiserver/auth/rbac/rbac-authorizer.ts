// The RBAC authorizer: a request is allowed if a ClusterRoleBinding, or a RoleBinding in the
// request's namespace, grants one of the user's names a role with a matching rule. Roles and
// bindings come from the apiserver's watch caches; the lookup tables are rebuilt only when one
// of the four kinds changed, so a check costs a few map lookups and rule comparisons.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from '../../../../lib/gen/kite/rbac/v1/types';
import type { Registry } from '../../registry/registry';
import type { AuthorizationResult, Authorizer } from '../authz/authorizer';
import type { RuleSet } from '../authz/rule-resolver';
import type { RequestAttributes } from '../request-attributes';
import type { UserInfo } from '../user-info';
import { ruleAllows, subjectMatches } from './policy-rules';

export interface RbacSources {
  roles: Registry<Role>;
  clusterRoles: Registry<ClusterRole>;
  roleBindings: Registry<RoleBinding>;
  clusterRoleBindings: Registry<ClusterRoleBinding>;
}

interface Binding {
  name: string;
  namespace: string;
  subjects: Subject[];
  roleRef: RoleRef;
}

interface Index {
  version: string;
  clusterRoles: Map<string, PolicyRule[]>;
  /** "namespace/name" -> rules */
  roles: Map<string, PolicyRule[]>;
  clusterBindings: Binding[];
  /** namespace -> bindings */
  bindings: Map<string, Binding[]>;
}

function all<T extends KubeObject>(r: Registry<T>): T[] {
  return r.cachedList();
}

function toBinding(b: RoleBinding | ClusterRoleBinding): Binding {
  return {
    name: b.metadata!.name,
    namespace: b.metadata!.namespace,
    subjects: b.subjects,
    roleRef: b.roleRef ?? { apiGroup: '', kind: '', name: '' },
  };
}

/** A lister's NotFound wording: clusterrole.rbac.authorization.k8s.io "x" not found. */
export function notFound(ref: RoleRef): string {
  return `${ref.kind.toLowerCase()}.rbac.authorization.k8s.io "${ref.name}" not found`;
}

export class RbacAuthorizer implements Authorizer {
  private index?: Index;

  constructor(private readonly src: RbacSources) {}

  private version(): string {
    const s = this.src;
    return [s.roles, s.clusterRoles, s.roleBindings, s.clusterRoleBindings].map((r) => r.cachedRevision).join('/');
  }

  private current(): Index {
    const version = this.version();
    if (this.index?.version === version) return this.index;
    const bindings = new Map<string, Binding[]>();
    for (const b of all(this.src.roleBindings)) {
      const list = bindings.get(b.metadata!.namespace) ?? [];
      list.push(toBinding(b));
      bindings.set(b.metadata!.namespace, list);
    }
    this.index = {
      version,
      clusterRoles: new Map(all(this.src.clusterRoles).map((r) => [r.metadata!.name, r.rules])),
      roles: new Map(all(this.src.roles).map((r) => [`${r.metadata!.namespace}/${r.metadata!.name}`, r.rules])),
      clusterBindings: all(this.src.clusterRoleBindings).map(toBinding),
      bindings,
    };
    return this.index;
  }

  /** The rules of the role a binding in `namespace` ("" for a ClusterRoleBinding) refers to; undefined if it does not exist. */
  roleRules(ref: RoleRef, namespace: string): PolicyRule[] | undefined {
    return this.rulesOf(this.current(), ref, namespace);
  }

  /**
   * Every rule granted to `user` by ClusterRoleBindings and by RoleBindings in `namespace`
   * (Kubernetes' RulesFor), and the bindings whose role is missing.
   */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const idx = this.current();
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    const visit = (bindings: Binding[], ns: string) => {
      for (const b of bindings) {
        if (!b.subjects.some((s) => subjectMatches(s, user, ns))) continue;
        const granted = this.rulesOf(idx, b.roleRef, ns);
        if (granted) rules.push(...granted);
        else errors.push(notFound(b.roleRef));
      }
    };
    visit(idx.clusterBindings, '');
    if (namespace) visit(idx.bindings.get(namespace) ?? [], namespace);
    return { rules, errors };
  }

  /**
   * Kubernetes' RBACAuthorizer.RulesFor: each rule with resources as a resource rule, each with
   * non-resource URLs as a non-resource rule; never incomplete, missing roles as errors.
   */
  resolveRules(user: UserInfo, namespace: string): RuleSet {
    const { rules, errors } = this.rulesFor(user, namespace);
    return {
      resourceRules: rules.filter((r) => r.resources.length).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames })),
      nonResourceRules: rules.filter((r) => r.nonResourceURLs.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      incomplete: false,
      errors,
    };
  }

  /** The cached Role, ClusterRole, RoleBinding or ClusterRoleBinding `namespace/name` (for comparing an update with what is stored). */
  cached(kind: KindInfo<any>, namespace: string, name: string): KubeObject | undefined {
    const reg = { Role: this.src.roles, ClusterRole: this.src.clusterRoles, RoleBinding: this.src.roleBindings, ClusterRoleBinding: this.src.clusterRoleBindings }[kind.kind] as Registry<KubeObject> | undefined;
    return reg?.cached(namespace, name);
  }

  private rulesOf(idx: Index, ref: RoleRef, namespace: string): PolicyRule[] | undefined {
    if (ref.kind === 'ClusterRole') return idx.clusterRoles.get(ref.name);
    if (ref.kind === 'Role') return idx.roles.get(`${namespace}/${ref.name}`);
    return undefined;
  }

  authorize(user: UserInfo, attrs: RequestAttributes): AuthorizationResult {
    const idx = this.current();
    const missing: string[] = [];
    const grants = (b: Binding, ns: string): string | undefined => {
      if (!b.subjects.some((s) => subjectMatches(s, user, ns))) return undefined;
      const rules = this.rulesOf(idx, b.roleRef, ns);
      if (!rules) {
        missing.push(notFound(b.roleRef));
        return undefined;
      }
      return rules.some((r) => ruleAllows(r, attrs)) ? `${b.roleRef.kind} "${b.roleRef.name}"` : undefined;
    };
    for (const b of idx.clusterBindings) {
      const by = grants(b, '');
      if (by) return { decision: 'allow', reason: `RBAC: allowed by ClusterRoleBinding "${b.name}" of ${by} to ${user.name}` };
    }
    if (attrs.namespace) {
      for (const b of idx.bindings.get(attrs.namespace) ?? []) {
        const by = grants(b, attrs.namespace);
        if (by) return { decision: 'allow', reason: `RBAC: allowed by RoleBinding "${b.name}/${attrs.namespace}" of ${by} to ${user.name}` };
      }
    }
    return { decision: 'no-opinion', reason: missing.length ? `RBAC: ${missing.join('; ')}` : '' };
  }
}
