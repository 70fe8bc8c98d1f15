// What differs between kinds on the write path: defaulting, validation, which fields are
// selectable, how status is reset, and graceful deletion. The generic registry does the rest.
import type { FieldCause } from '../../../lib/api/errors';
import type { KubeObject } from '../../../lib/api/kinds';

export interface Strategy<T extends KubeObject> {
  /** Fills defaults (on create and update). */
  defaults(obj: T): void;
  validate(obj: T): FieldCause[];
  validateUpdate(obj: T, old: T): FieldCause[];
  /** Sets server-owned state on create (e.g. status.phase Pending). */
  prepareForCreate(obj: T): void;
  /** Validates a write through the status subresource (Kubernetes' Validate<Kind>StatusUpdate); none by default. */
  validateStatusUpdate?(obj: T, old: T): FieldCause[];
  /** Adjusts an update before defaulting and validation (a Service wipes what its old type alone needed). */
  prepareForUpdate?(obj: T, old: T): void;
  /** Field selector fields this kind supports, beyond metadata.name and metadata.namespace. */
  fields: Record<string, (obj: T) => string | undefined>;
  /**
   * Seconds to wait before the object really goes on delete (pods bound to a node: the kubelet
   * stops containers first). 0 deletes at once.
   */
  gracePeriod?(obj: T, requested: number | undefined): number;
  /**
   * Takes what the object claims from a shared pool (a Service's ClusterIP and node ports) on
   * create and update; the registry commits once the object is stored and rolls back otherwise.
   */
  allocate?(obj: T, old: T | undefined): Allocation;
  /** Gives back what the object held, once it is really gone from storage. */
  release?(obj: T): void;
  /** Whether something besides metadata.finalizers still holds a deleted object (a Namespace's spec.finalizers). */
  pendingFinalizers?(obj: T): boolean;
  /** Marks an object whose deletion has to wait (a Namespace turns Terminating). */
  prepareForDelete?(obj: T): void;
}

/** What an allocation reports: refusals as field causes, and how to keep or undo it. */
export interface Allocation {
  causes: FieldCause[];
  commit(): void;
  rollback(): void;
}

export function baseStrategy<T extends KubeObject>(overrides: Partial<Strategy<T>> = {}): Strategy<T> {
  return {
    defaults: () => {},
    validate: () => [],
    validateUpdate: (obj) => overrides.validate?.(obj) ?? [],
    prepareForCreate: () => {},
    fields: {},
    ...overrides,
  };
}
