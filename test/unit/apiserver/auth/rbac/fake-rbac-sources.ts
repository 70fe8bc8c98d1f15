// In-memory stand-ins for the four RBAC registries: just what the RBAC authorizer and the
// escalation check read of a registry (its watch cache's objects and revision).
import type { KubeObject } from '../../../../../lib/api/kinds';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../../../lib/gen/kite/rbac/v1/types';
import type { RbacSources } from '../../../../../services/apiserver/auth/rbac/rbac-authorizer';

export class FakeRegistry<T extends KubeObject> {
  objects: T[] = [];
  cachedRevision = 0;

  constructor(private readonly namespaced: boolean) {}

  cachedList(): T[] {
    return this.objects;
  }

  cached(namespace: string, name: string): T | undefined {
    return this.objects.find((o) => o.metadata!.name === name && (!this.namespaced || o.metadata!.namespace === namespace));
  }

  /** Replaces the contents; each object gets the next resourceVersion unless it has one. */
  set(objs: T[]): void {
    this.cachedRevision++;
    this.objects = objs.map((o) => ({ ...o, metadata: { ...o.metadata!, resourceVersion: o.metadata!.resourceVersion || String(this.cachedRevision) } }));
  }
}

export interface FakeRbacSources {
  roles: FakeRegistry<Role>;
  clusterRoles: FakeRegistry<ClusterRole>;
  roleBindings: FakeRegistry<RoleBinding>;
  clusterRoleBindings: FakeRegistry<ClusterRoleBinding>;
}

export function fakeRbacSources(): FakeRbacSources & { sources: RbacSources } {
  const f = {
    roles: new FakeRegistry<Role>(true),
    clusterRoles: new FakeRegistry<ClusterRole>(false),
    roleBindings: new FakeRegistry<RoleBinding>(true),
    clusterRoleBindings: new FakeRegistry<ClusterRoleBinding>(false),
  };
  return { ...f, sources: f as unknown as RbacSources };
}
