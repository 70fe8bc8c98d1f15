// A scratchpad for one scheduling attempt of one pod: PreFilter/PreScore plugins store what they
// computed once (parsed affinity, tolerations, spread counts) for Filter/Score to read per node.

export class CycleState {
  /** Filter plugins whose PreFilter returned Skip for this pod. */
  readonly skipFilterPlugins = new Set<string>();
  /** Score plugins whose PreScore returned Skip for this pod. */
  readonly skipScorePlugins = new Set<string>();

  private readonly data = new Map<string, unknown>();

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
}
