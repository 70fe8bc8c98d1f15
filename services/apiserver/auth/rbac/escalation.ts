// RBAC's escalation prevention: nobody grants permissions they do not hold. Creating or
// updating a Role or ClusterRole needs every one of its rules to be allowed to the requester
// (or the "escalate" verb on it); creating or updating a binding needs the requester to hold
// every rule of the role it binds (or the "bind" verb on that role). system:masters is exempt,
// and, as in Kubernetes, updates that keep a role's rules (or a binding's immutable roleRef)
// grant nothing new. Patches of RBAC objects need escalate/bind, since their result is unknown here.
import type { KindInfo } from '../../../../lib/api/kinds';
import type { PolicyRule, RoleRef } from '../../../../lib/gen/kite/rbac/v1/types';
import type { Authorizer } from '../authz/authorizer';
import { forbidden } from '../authz/forbidden';
import { nonResourceAttributes, resourceAttributes, type RequestAttributes } from '../request-attributes';
import { isMaster, type UserInfo } from '../user-info';
import type { RbacAuthorizer } from './rbac-authorizer';
import { RBAC_GROUP } from './rbac-validation';

const ROLE_KINDS = new Set(['Role', 'ClusterRole']);
const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);

/** Every single request a rule allows, as authorizer attributes (wildcards stay literal). */
function atoms(rule: PolicyRule, namespace: string): RequestAttributes[] {
  const out: RequestAttributes[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs) out.push(nonResourceAttributes(verb, url));
    for (const apiGroup of rule.apiGroups) {
      for (const res of rule.resources) {
        const slash = res.indexOf('/');
        const resource = slash < 0 ? res : res.slice(0, slash);
        const subresource = slash < 0 ? '' : res.slice(slash + 1);
        const names = rule.resourceNames.length ? rule.resourceNames : [''];
        for (const name of names) out.push(resourceAttributes({ verb, apiGroup, resource, subresource, namespace, name }));
      }
    }
  }
  return out;
}

function describe(a: RequestAttributes): string {
  if (!a.resourceRequest) return `{NonResourceURLs:["${a.path}"], Verbs:["${a.verb}"]}`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return `{APIGroups:["${a.apiGroup}"], Resources:["${res}"]${a.name ? `, ResourceNames:["${a.name}"]` : ''}, Verbs:["${a.verb}"]}`;
}

export class EscalationCheck {
  constructor(
    private readonly rbac: RbacAuthorizer,
    private readonly authorizer: Authorizer,
  ) {}

  /** Throws PERMISSION_DENIED if `obj` (the new Role/ClusterRole/binding) grants more than `user` holds. */
  async admit(user: UserInfo, kind: KindInfo<any>, verb: string, attrs: RequestAttributes, obj: { rules?: PolicyRule[]; roleRef?: RoleRef } | undefined): Promise<void> {
    const isRole = ROLE_KINDS.has(kind.kind);
    if ((!isRole && !BINDING_KINDS.has(kind.kind)) || kind.group !== RBAC_GROUP || isMaster(user)) return;
    if (verb !== 'create' && verb !== 'update' && verb !== 'patch') return;
    const namespace = kind.namespaced ? attrs.namespace : '';
    if (verb === 'update' && !isRole) return;
    if (isRole) {
      const current = verb === 'update' ? this.rbac.roleRules({ apiGroup: RBAC_GROUP, kind: kind.kind, name: attrs.name }, namespace) : undefined;
      if (current && JSON.stringify(current) === JSON.stringify(obj?.rules ?? [])) return;
      const escalate = resourceAttributes({ verb: 'escalate', apiGroup: RBAC_GROUP, resource: kind.resource, namespace, name: attrs.name });
      if ((await this.authorizer.authorize(user, escalate)).decision === 'allow') return;
      if (verb === 'patch') throw forbidden(user, attrs, 'patching a role needs the escalate verb on it; use update');
      await this.mustHold(user, attrs, obj?.rules ?? [], namespace);
      return;
    }
    const ref = obj?.roleRef;
    const roleResource = ref?.kind === 'Role' ? 'roles' : 'clusterroles';
    const bind = resourceAttributes({ verb: 'bind', apiGroup: RBAC_GROUP, resource: roleResource, namespace, name: ref?.name ?? '' });
    if (ref && (await this.authorizer.authorize(user, bind)).decision === 'allow') return;
    if (verb === 'patch') throw forbidden(user, attrs, 'patching a binding needs the bind verb on its role; use update');
    if (!ref) return; // validation refuses a binding without roleRef
    const rules = this.rbac.roleRules(ref, namespace);
    if (!rules) throw forbidden(user, attrs, `${ref.kind.toLowerCase()}.rbac.authorization.k8s.io "${ref.name}" not found; only a user with the bind verb on it may bind it`);
    await this.mustHold(user, attrs, rules, namespace);
  }

  private async mustHold(user: UserInfo, attrs: RequestAttributes, rules: PolicyRule[], namespace: string): Promise<void> {
    const missing: string[] = [];
    for (const rule of rules) {
      for (const a of atoms(rule, namespace)) {
        if (this.rbac.authorize(user, a).decision !== 'allow') missing.push(describe(a));
      }
    }
    if (missing.length) {
      const shown = missing.slice(0, 10).join(' ');
      throw forbidden(user, attrs, `user "${user.name}" (groups=[${user.groups.join(' ')}]) is attempting to grant RBAC permissions not currently held: ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
    }
  }
}
