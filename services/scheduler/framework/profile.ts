// A scheduling profile: which plugins run, in which order, with which score weights. Each listed
// plugin takes part in every extension point it implements (kube-scheduler's "multiPoint").

export interface PluginConfig {
  name: string;
  /** Multiplies the plugin's normalized score; 1 when unset. Ignored for non-score plugins. */
  weight?: number;
  args?: unknown;
}

export interface Profile {
  /** Pods whose spec.schedulerName names this profile are scheduled with it. */
  schedulerName: string;
  /** Filter order matters: a node's first failing filter is the reason reported for it. */
  plugins: PluginConfig[];
  /** 0 (the default) = kube-scheduler's adaptive percentage; 1..100 = fixed. */
  percentageOfNodesToScore?: number;
}
