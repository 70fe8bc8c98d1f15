// In-memory stand-ins for the four RBAC registries: just what the RBAC authorizer and the
// escalation check read of a registry (its watch cache's objects, revision and keys).
import type { KubeObject } from '../../../../../lib/api/kinds';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../../../lib/gen/kite/rbac/v1/types';
import type { RbacSources } from '../../../../../services/apiserver/auth/rbac/rbac-authorizer';

export class FakeRegistry<T extends KubeObject> {
  objects: T[] = [];
  readonly cache = {
    resourceVersion: 0,
    list: () => ({ items: this.objects.map((obj) => ({ key: this.keyOf(obj), obj })), rv: this.cache.resourceVersion }),
    get: (key: string) => this.objects.find((o) => this.keyOf(o) === key),
  };

  constructor(private readonly namespaced: boolean) {}

  key(namespace: string, name: string): string {
    return this.namespaced ? `${namespace}/${name}` : name;
  }

  private keyOf(o: T): string {
    return this.key(o.metadata!.namespace, o.metadata!.name);
  }

  filter() {
    return {};
  }

  /** Replaces the contents; each object gets the next resourceVersion unless it has one. */
  set(objs: T[]): void {
    this.cache.resourceVersion++;
    this.objects = objs.map((o) => ({ ...o, metadata: { ...o.metadata!, resourceVersion: o.metadata!.resourceVersion || String(this.cache.resourceVersion) } }));
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
