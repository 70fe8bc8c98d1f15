// Validation of Role, ClusterRole, RoleBinding and ClusterRoleBinding with Kubernetes' rules:
// names are path segments (colons allowed: "system:node"), every rule names verbs and either
// resources or non-resource URLs, and a binding's roleRef never changes.
import type { FieldCause } from '../../../../lib/api/errors';
import type { ObjectMeta } from '../../../../lib/gen/kite/meta/v1/meta';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from '../../../../lib/gen/kite/rbac/v1/types';
import { validateMeta } from './validation';
import { Causes } from './validation-helpers';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Kubernetes' path segment names: anything but ".", "..", or names containing "/" or "%". */
function pathSegmentName(c: Causes, field: string, name: string): void {
  if (name === '.' || name === '..') c.add(field, `Invalid value: "${name}": may not be '${name}'`);
  else if (/[/%]/.test(name)) c.add(field, `Invalid value: "${name}": may not contain '/' or '%'`);
  else if (name.length > 253) c.add(field, `Invalid value: "${name}": must be no more than 253 characters`);
}

function rbacMeta(c: Causes, meta: ObjectMeta | undefined, namespaced: boolean): void {
  // validateMeta checks everything but the name, whose rule differs for RBAC objects.
  validateMeta(c, meta && { ...meta, name: meta.name ? 'x' : '' }, namespaced, 'label');
  if (meta?.name) pathSegmentName(c, 'metadata.name', meta.name);
}

function rules(c: Causes, list: PolicyRule[], clusterScoped: boolean): void {
  list.forEach((r, i) => {
    const p = `rules[${i}]`;
    c.required(`${p}.verbs`, r.verbs);
    if (r.nonResourceURLs.length > 0) {
      if (!clusterScoped) c.add(`${p}.nonResourceURLs`, 'Invalid value: namespaced rules cannot apply to non-resource URLs');
      if (r.apiGroups.length > 0 || r.resources.length > 0 || r.resourceNames.length > 0) {
        c.add(`${p}.nonResourceURLs`, 'Invalid value: rules cannot apply to both regular resources and non-resource URLs');
      }
      return;
    }
    c.required(`${p}.apiGroups`, r.apiGroups);
    c.required(`${p}.resources`, r.resources);
  });
}

function roleRef(c: Causes, ref: RoleRef | undefined, allowed: readonly string[]): void {
  if (!ref) {
    c.add('roleRef', 'Required value');
    return;
  }
  if (ref.apiGroup !== RBAC_GROUP) c.notSupported('roleRef.apiGroup', ref.apiGroup, [RBAC_GROUP]);
  c.notSupported('roleRef.kind', ref.kind, allowed);
  if (c.required('roleRef.name', ref.name)) pathSegmentName(c, 'roleRef.name', ref.name);
}

function subjects(c: Causes, list: Subject[], bindingNamespaced: boolean): void {
  list.forEach((s, i) => {
    const p = `subjects[${i}]`;
    c.required(`${p}.name`, s.name);
    switch (s.kind) {
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) c.notSupported(`${p}.apiGroup`, s.apiGroup, [RBAC_GROUP]);
        break;
      case 'ServiceAccount':
        if (s.apiGroup !== '') c.notSupported(`${p}.apiGroup`, s.apiGroup, ['']);
        if (!bindingNamespaced && !s.namespace) c.add(`${p}.namespace`, 'Required value');
        break;
      default:
        c.notSupported(`${p}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']);
    }
  });
}

export function validateRole(r: Role): FieldCause[] {
  const c = new Causes();
  rbacMeta(c, r.metadata, true);
  rules(c, r.rules, false);
  return c.list;
}

export function validateClusterRole(r: ClusterRole): FieldCause[] {
  const c = new Causes();
  rbacMeta(c, r.metadata, false);
  rules(c, r.rules, true);
  return c.list;
}

export function validateRoleBinding(b: RoleBinding): FieldCause[] {
  const c = new Causes();
  rbacMeta(c, b.metadata, true);
  roleRef(c, b.roleRef, ['Role', 'ClusterRole']);
  subjects(c, b.subjects, true);
  return c.list;
}

export function validateClusterRoleBinding(b: ClusterRoleBinding): FieldCause[] {
  const c = new Causes();
  rbacMeta(c, b.metadata, false);
  roleRef(c, b.roleRef, ['ClusterRole']);
  subjects(c, b.subjects, false);
  return c.list;
}

/** A binding's roleRef is immutable: to grant another role, delete and recreate the binding. */
export function validateRoleRefUpdate(b: { roleRef?: RoleRef }, old: { roleRef?: RoleRef }): FieldCause[] {
  const a = b.roleRef;
  const o = old.roleRef;
  if (a?.apiGroup === o?.apiGroup && a?.kind === o?.kind && a?.name === o?.name) return [];
  // Kubernetes quotes the new value as Go prints the internal struct.
  const value = `rbac.RoleRef{APIGroup:${JSON.stringify(a?.apiGroup ?? '')}, Kind:${JSON.stringify(a?.kind ?? '')}, Name:${JSON.stringify(a?.name ?? '')}}`;
  return [{ field: 'roleRef', message: `Invalid value: ${value}: cannot change roleRef` }];
}
