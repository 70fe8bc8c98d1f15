// Kubernetes' NamespaceLifecycle admission: nothing is created in a namespace that does not exist
// or is being deleted, and the namespaces every cluster needs cannot be deleted.
import { ForbiddenError, NotFoundError } from '../../../lib/api/errors';
import { isDNS1123Label } from '../registry/validation/validation-helpers';
import type { AdmissionPlugin, AdmissionRequest } from './chain';

export type NamespaceState = 'missing' | 'terminating' | 'active';

/** Namespaces Kubernetes refuses to delete (its "immortal" namespaces). */
export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

  constructor(private readonly namespaceState: (namespace: string) => Promise<NamespaceState>) {}

  async validate(req: AdmissionRequest): Promise<void> {
    const { kind, verb, attributes: a } = req;
    if (kind.kind === 'Namespace' && verb === 'delete' && IMMORTAL_NAMESPACES.includes(a.name)) {
      throw new ForbiddenError(`namespaces "${a.name}" is forbidden: this namespace may not be deleted`);
    }
    // An invalid namespace name is left to validation, which names the field.
    if (!kind.namespaced || verb !== 'create' || !isDNS1123Label(a.namespace)) return;
    const state = await this.namespaceState(a.namespace);
    if (state === 'missing') throw new NotFoundError(`namespaces "${a.namespace}" not found`);
    if (state === 'terminating') throw new ForbiddenError(`unable to create new content in namespace ${a.namespace} because it is being terminated`);
  }
}
