// The outcome of a plugin call. The code separates "this pod does not fit here" (Unschedulable,
// UnschedulableAndUnresolvable) from a bug or a failed call (Error), and Skip lets a PreFilter or
// PreScore plugin opt out of the rest of a cycle for a pod it has nothing to say about.

export enum Code {
  Success = 'Success',
  Error = 'Error',
  /** The pod does not fit, but could after the cluster changes (or after preemption). */
  Unschedulable = 'Unschedulable',
  /** The pod does not fit and removing pods from the node would not help. */
  UnschedulableAndUnresolvable = 'UnschedulableAndUnresolvable',
  Skip = 'Skip',
}

export class Status {
  /** The plugin that produced a non-success status (for diagnosis and requeueing). */
  plugin = '';

  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    readonly error?: Error,
  ) {}

  /**
   * Shared success status. Modules on the per-node hot path alias it (and MAX_NODE_SCORE) in a
   * module-level const: under tsx each read of an imported binding goes through a getter that
   * V8 cannot inline there, which cost a third of the scheduler's throughput.
   */
  static readonly success = new Status(Code.Success);
  static readonly skip = new Status(Code.Skip);

  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }

  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }

  static fromError(err: unknown): Status {
    const e = err instanceof Error ? err : new Error(String(err));
    return new Status(Code.Error, [e.message], e);
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  /** Unschedulable or UnschedulableAndUnresolvable: the pod was rejected, nothing broke. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  message(): string {
    return this.reasons.join(', ');
  }

  /** The same status attributed to `plugin`; shared singletons are copied, not changed. */
  withPlugin(plugin: string): Status {
    const s = new Status(this.code, this.reasons, this.error);
    s.plugin = plugin;
    return s;
  }
}
