// The runtime for one profile: instantiates the profile's plugins from the registry and runs
// them extension point by extension point. Hot paths (Filter per node, Score per node) loop over
// plain arrays prepared once per cycle.
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { CycleState } from './cycle-state';
import { isEnqueueExtensions, isPreEnqueuePlugin, type PreEnqueuePlugin, QueueingHintMap } from './events';
import { isPostFilterPlugin, type NodeToStatus, type PostFilterPlugin, type PostFilterResult } from './post-filter';
import {
  type BindPlugin,
  type FilterPlugin,
  type FrameworkHandle,
  isBindPlugin,
  isFilterPlugin,
  isPreBindPlugin,
  isPreFilterPlugin,
  isPreScorePlugin,
  isReservePlugin,
  isScorePlugin,
  MAX_NODE_SCORE,
  type Plugin,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { Profile } from './profile';
import type { Registry } from './registry';
import { Code, Status } from './status';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;
const MAX_SCORE = MAX_NODE_SCORE;

interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

const ACTIVE_FILTERS = 'framework/activeFilters';

export class Framework {
  readonly schedulerName: string;
  readonly percentageOfNodesToScore: number;
  private readonly preFilterPlugins: PreFilterPlugin[] = [];
  private readonly filterPlugins: FilterPlugin[] = [];
  private readonly preScorePlugins: PreScorePlugin[] = [];
  private readonly scorePlugins: WeightedScorePlugin[] = [];
  private readonly reservePlugins: ReservePlugin[] = [];
  private readonly preBindPlugins: PreBindPlugin[] = [];
  private readonly bindPlugins: BindPlugin[] = [];
  private readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  private readonly postFilterPlugins: PostFilterPlugin[] = [];
  /** The cluster events each plugin registered, for the queue's hints. */
  readonly queueingHints = new QueueingHintMap();

  constructor(profile: Profile, registry: Registry, handle: FrameworkHandle) {
    this.schedulerName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore ?? 0;
    const seen = new Set<string>();
    for (const cfg of profile.plugins) {
      if (seen.has(cfg.name)) throw new Error(`profile ${profile.schedulerName} lists plugin ${cfg.name} twice`);
      seen.add(cfg.name);
      const plugin: Plugin = registry.get(cfg.name)(cfg.args, handle);
      if (isPreFilterPlugin(plugin)) this.preFilterPlugins.push(plugin);
      if (isFilterPlugin(plugin)) this.filterPlugins.push(plugin);
      if (isPreScorePlugin(plugin)) this.preScorePlugins.push(plugin);
      if (isScorePlugin(plugin)) {
        const weight = cfg.weight ?? 1;
        if (!(weight > 0)) throw new Error(`plugin ${cfg.name}: score weight must be positive, got ${weight}`);
        this.scorePlugins.push({ plugin, weight });
      }
      if (isReservePlugin(plugin)) this.reservePlugins.push(plugin);
      if (isPreBindPlugin(plugin)) this.preBindPlugins.push(plugin);
      if (isBindPlugin(plugin)) this.bindPlugins.push(plugin);
      if (isPreEnqueuePlugin(plugin)) this.preEnqueuePlugins.push(plugin);
      if (isPostFilterPlugin(plugin)) this.postFilterPlugins.push(plugin);
      if (isEnqueueExtensions(plugin)) this.queueingHints.register(plugin);
    }
    if (this.bindPlugins.length === 0) throw new Error(`profile ${profile.schedulerName} has no Bind plugin`);
  }

  /** Whether every PreEnqueue plugin lets the pod into activeQ (a gated pod waits for its update). */
  runPreEnqueuePlugins(pod: Pod): boolean {
    for (const p of this.preEnqueuePlugins) if (!p.preEnqueue(pod).isSuccess()) return false;
    return true;
  }

  /**
   * Runs the PostFilter plugins after no node fit (kube-scheduler's RunPostFilterPlugins): the
   * first success or UnschedulableAndUnresolvable ends it; otherwise the rejections' reasons are
   * joined and the last result that nominates a node is kept.
   */
  runPostFilterPlugins(state: CycleState, pod: PodInfo, nodeToStatus: NodeToStatus): { result?: PostFilterResult; status: Status } {
    let result: PostFilterResult | undefined;
    const reasons: string[] = [];
    let rejector = '';
    for (const p of this.postFilterPlugins) {
      let r: { result?: PostFilterResult; status: Status };
      try {
        r = p.postFilter(state, pod, nodeToStatus);
      } catch (err) {
        return { status: Status.fromError(err).withPlugin(p.name) };
      }
      if (r.status.isSuccess()) return r;
      if (r.status.code === Code.UnschedulableAndUnresolvable) return { result: r.result, status: r.status.withPlugin(p.name) };
      if (!r.status.isRejected()) return { status: r.status.withPlugin(p.name) };
      if (r.result) result = r.result;
      reasons.push(...r.status.reasons);
      rejector ||= p.name;
    }
    return { result, status: new Status(Code.Unschedulable, reasons).withPlugin(rejector) };
  }

  /** Runs every PreFilter plugin; a non-success, non-skip status ends the attempt. */
  runPreFilterPlugins(state: CycleState, pod: PodInfo): Status {
    for (const p of this.preFilterPlugins) {
      const s = p.preFilter(state, pod);
      if (s.isSkip()) state.skipFilterPlugins.add(p.name);
      else if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    state.write(
      ACTIVE_FILTERS,
      this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name)),
    );
    return SUCCESS;
  }

  /** RunPreFilterExtensionAddPod: `podToAdd` was added to `node`; plugins skipped at PreFilter are left out. */
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo): Status {
    for (const p of this.preFilterPlugins) {
      if (!p.addPod || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.addPod(state, pod, podToAdd, node);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /** RunPreFilterExtensionRemovePod: `podToRemove` was removed from `node`. */
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo): Status {
    for (const p of this.preFilterPlugins) {
      if (!p.removePod || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.removePod(state, pod, podToRemove, node);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /** Runs the Filter plugins on one node, stopping at the first that rejects it. */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const filters = state.read<FilterPlugin[]>(ACTIVE_FILTERS) ?? this.filterPlugins;
    for (let i = 0; i < filters.length; i++) {
      const s = filters[i].filter(state, pod, node);
      if (!s.isSuccess()) return s.withPlugin(filters[i].name);
    }
    return SUCCESS;
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status {
    for (const p of this.preScorePlugins) {
      const s = p.preScore(state, pod, nodes);
      if (s.isSkip()) state.skipScorePlugins.add(p.name);
      else if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /**
   * Weighted sum of every Score plugin's normalized score, per node (index-aligned with `nodes`).
   * Throws when a plugin produces a score outside 0..MAX_NODE_SCORE after normalization.
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]);
      plugin.normalizeScore?.(state, pod, scores, nodes);
      for (let i = 0; i < nodes.length; i++) {
        const s = scores[i];
        if (!(s >= 0 && s <= MAX_SCORE)) {
          throw new Error(`plugin ${plugin.name} scored node ${nodes[i].name} ${s}, outside 0..${MAX_SCORE}`);
        }
        totals[i] += s * weight;
      }
    }
    return totals;
  }

  /** Runs every Reserve plugin; the first failure is returned (the caller then runs Unreserve). */
  runReservePlugins(state: CycleState, pod: PodInfo, nodeName: string): Status {
    for (const p of this.reservePlugins) {
      let s: Status;
      try {
        s = p.reserve(state, pod, nodeName);
      } catch (err) {
        s = Status.fromError(err);
      }
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /** Runs every Reserve plugin's Unreserve, in reverse order, as kube-scheduler does. */
  runUnreservePlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i].unreserve(state, pod, nodeName);
  }

  /** Runs every PreBind plugin; the first failure ends the binding cycle. */
  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    for (const p of this.preBindPlugins) {
      let s: Status;
      try {
        s = await p.preBind(state, pod, nodeName);
      } catch (err) {
        s = Status.fromError(err);
      }
      if (!s.isSuccess() && !s.isSkip()) return s.withPlugin(p.name);
    }
    return SUCCESS;
  }

  /** Runs Bind plugins until one does not Skip. */
  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    for (const p of this.bindPlugins) {
      let s: Status;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        s = Status.fromError(err);
      }
      if (!s.isSkip()) return s.isSuccess() ? s : s.withPlugin(p.name);
    }
    return Status.fromError(new Error(`no Bind plugin bound pod ${pod.key}`));
  }
}
