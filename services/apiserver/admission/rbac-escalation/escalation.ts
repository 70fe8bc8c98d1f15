// RBAC's escalation prevention, as Kubernetes' policy-based RBAC storage does it
// (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased): nobody
// grants permissions they do not hold. Every create, update and patch of a Role or ClusterRole
// needs the "escalate" verb on it or every one of its rules held by the requester; of a
// RoleBinding or ClusterRoleBinding, the "bind" verb on the role it refers to (in the binding's
// namespace, or cluster-wide) or every rule of that role. system:masters is exempt, and so is an
// update that changes only the ownerReferences and finalizers of the stored version (the garbage
// collector's writes). A patch's result is not known here, before the handler runs, so patching
// a role needs escalate, and patching a binding bind on its stored (immutable) roleRef.
import type { AdmissionPlugin, AdmissionRequest } from '../chain';
import { isDeepStrictEqual } from 'node:util';
import { ForbiddenError, NotFoundError } from '../../../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { PolicyRule, RoleRef } from '../../../../lib/gen/kite/rbac/v1/types';
import type { Authorizer } from '../../auth/authz/authorizer';
import { forbidden } from '../../auth/authz/forbidden';
import { resourceAttributes, type RequestAttributes } from '../../auth/request-attributes';
import { isMaster, type UserInfo } from '../../auth/user-info';
import { compactRules, compactString, quotedList, uncovered } from './policy-comparator';
import { notFound, type RbacAuthorizer } from '../../auth/rbac/rbac-authorizer';
import { RBAC_GROUP } from '../../registry/validation/rbac-validation';

const ROLE_KINDS = new Set(['Role', 'ClusterRole']);
const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);
const CHECKED_VERBS = new Set(['create', 'update', 'patch']);

type RbacObject = KubeObject & { rules?: PolicyRule[]; roleRef?: RoleRef };

/** Metadata the registry takes from the stored object on update, whatever the request says. */
const SERVER_OWNED_META = ['namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName', 'resourceVersion', 'generation'] as const;

export class EscalationCheck implements AdmissionPlugin {
  readonly name = 'RBACEscalation';

  constructor(
    private readonly rbac: RbacAuthorizer,
    private readonly authorizer: Authorizer,
  ) {}

  validate(req: AdmissionRequest): Promise<void> {
    return this.check(req.user, req.kind, req.attributes.verb, req.attributes, req.object as RbacObject | undefined);
  }

  /**
   * Throws PERMISSION_DENIED if `obj` (the Role, ClusterRole or binding of a create or update;
   * nothing for a patch) grants more than `user` holds, NOT_FOUND if a binding's role is missing.
   */
  async check(user: UserInfo, kind: KindInfo<any>, verb: string, attrs: RequestAttributes, obj: RbacObject | undefined): Promise<void> {
    const isRole = ROLE_KINDS.has(kind.kind);
    if ((!isRole && !BINDING_KINDS.has(kind.kind)) || kind.group !== RBAC_GROUP || !CHECKED_VERBS.has(verb) || isMaster(user)) return;
    const namespace = kind.namespaced ? attrs.namespace : '';
    if (verb === 'update' && obj && this.onlyGarbageCollectorFields(kind, namespace, obj)) return;
    if (isRole) {
      const escalate = resourceAttributes({ verb: 'escalate', apiGroup: RBAC_GROUP, resource: kind.resource, namespace, name: attrs.name });
      if ((await this.authorizer.authorize(user, escalate)).decision === 'allow') return;
      if (verb === 'patch') throw forbidden(user, attrs, 'patching a role needs the escalate verb on it; use update');
      this.confirmNoEscalation(user, kind, attrs.name, namespace, obj?.rules ?? []);
      return;
    }
    const ref = verb === 'patch' ? (this.rbac.cached(kind, namespace, attrs.name) as RbacObject | undefined)?.roleRef : obj?.roleRef;
    if (ref && (await this.bindAuthorized(user, ref, namespace))) return;
    if (verb === 'patch') throw forbidden(user, attrs, 'patching a binding needs the bind verb on its role; use update');
    if (!ref) return; // validation refuses a binding without roleRef
    const rules = this.rbac.roleRules(ref, namespace);
    if (!rules) throw new NotFoundError(notFound(ref));
    this.confirmNoEscalation(user, kind, attrs.name, namespace, rules);
  }

  /** Kubernetes' BindingAuthorized: "bind" on the role, checked in the binding's namespace ("" cluster-wide). */
  private async bindAuthorized(user: UserInfo, ref: RoleRef, namespace: string): Promise<boolean> {
    if (ref.kind !== 'Role' && ref.kind !== 'ClusterRole') return false;
    const resource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    const bind = resourceAttributes({ verb: 'bind', apiGroup: ref.apiGroup, resource, namespace, name: ref.name });
    return (await this.authorizer.authorize(user, bind)).decision === 'allow';
  }

  /**
   * Kubernetes' IsOnlyMutatingGCFields, against the cached copy. Only when the update is pinned
   * to that copy's resourceVersion: the write then fails if the object changed meanwhile.
   */
  private onlyGarbageCollectorFields(kind: KindInfo<any>, namespace: string, obj: RbacObject): boolean {
    const rv = obj.metadata?.resourceVersion;
    const old = this.rbac.cached(kind, namespace, obj.metadata?.name ?? '');
    if (!rv || !old?.metadata || old.metadata.resourceVersion !== rv) return false;
    const oldMeta = old.metadata;
    const normal = (o: KubeObject): KubeObject => {
      const c = kind.type.fromPartial(o) as KubeObject;
      c.kind = '';
      c.apiVersion = '';
      const m = c.metadata! as unknown as Record<string, unknown>;
      for (const f of SERVER_OWNED_META) m[f] = oldMeta[f];
      m.ownerReferences = [];
      m.finalizers = [];
      return c;
    };
    return isDeepStrictEqual(normal(obj), normal(old));
  }

  /** Kubernetes' ConfirmNoEscalation: `user` must hold, in `namespace`, every rule it grants. */
  private confirmNoEscalation(user: UserInfo, kind: KindInfo<any>, name: string, namespace: string, rules: PolicyRule[]): void {
    const owner = this.rbac.rulesFor(user, namespace);
    const missing = uncovered(owner.rules, rules);
    if (missing.length === 0) return;
    const lines = [...new Set(compactRules(missing).map(compactString))].sort();
    let msg = `user ${JSON.stringify(user.name)} (groups=${quotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
    if (owner.errors.length) msg += `; resolution errors: [${owner.errors.length === 1 ? owner.errors[0] : `[${owner.errors.join(', ')}]`}]`;
    throw new ForbiddenError(`${kind.resource}.${RBAC_GROUP} "${name}" is forbidden: ${msg}`);
  }
}
