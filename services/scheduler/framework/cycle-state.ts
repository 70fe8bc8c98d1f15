// A scratchpad for one scheduling attempt of one pod: PreFilter/PreScore plugins store what they
// computed once (parsed affinity, tolerations, spread counts) for Filter/Score to read per node.
// Preemption's dry run and the nominated-pods pass of filtering work on a clone, which their
// PreFilter extensions (AddPod/RemovePod) change: data with a clone() method is copied deeply.

/** Data a PreFilter extension changes in place (kube-scheduler's StateData). */
export interface StateData {
  clone(): StateData;
}

function isStateData(v: unknown): v is StateData {
  return typeof (v as StateData | undefined)?.clone === 'function';
}

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

  /** A copy whose StateData values are cloned (the rest is shared: it is never changed after PreFilter). */
  clone(): CycleState {
    const c = new CycleState();
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    for (const [k, v] of this.data) c.data.set(k, isStateData(v) ? v.clone() : v);
    return c;
  }
}
