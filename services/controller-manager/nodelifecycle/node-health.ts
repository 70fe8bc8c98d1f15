// How long since a node was last heard from (Kubernetes' nodeHealthData and tryUpdateNodeHealth):
// a change of its Ready heartbeat or of its Lease's renewTime counts as a probe, timed on the
// local clock when observed (so clock skew with the node does not matter). A node silent for
// longer than its grace period gets its conditions set to Unknown.
import type { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import type { Node, NodeCondition } from '../../../lib/gen/kite/core/v1/types';
import { parseTime, rfc3339 } from '../../../lib/util/time';

/** The conditions the node controller takes over when the kubelet is silent. */
const WATCHED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

interface Health {
  probeMs: number;
  heartbeat: string | undefined;
  leaseRenew: string | undefined;
}

export interface HealthOptions {
  /** Silence after which a node that reported status becomes Unknown (--node-monitor-grace-period). */
  monitorGracePeriodMs: number;
  /** Silence allowed to a node that never reported status (--node-startup-grace-period). */
  startupGracePeriodMs: number;
}

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions.find((c) => c.type === 'Ready');
}

export class NodeHealthTracker {
  private readonly health = new Map<string, Health>();

  constructor(
    private readonly opts: HealthOptions,
    private readonly now: () => number,
  ) {}

  /**
   * Records what `node` and its `lease` show now. Returns the node with its watched conditions
   * set to Unknown if it has been silent past its grace period and they are not Unknown yet.
   */
  observe(node: Node, lease: Lease | undefined): Node | undefined {
    const name = node.metadata!.name;
    const now = this.now();
    const ready = readyCondition(node);
    let h = this.health.get(name);
    if (!h) {
      // A node that never reported counts from its creation; one seen for the first time, from now.
      const created = parseTime(node.metadata?.creationTimestamp);
      h = { probeMs: ready || Number.isNaN(created) ? now : created, heartbeat: ready?.lastHeartbeatTime, leaseRenew: undefined };
      this.health.set(name, h);
    } else if (ready && ready.lastHeartbeatTime !== h.heartbeat) {
      h.probeMs = now;
      h.heartbeat = ready.lastHeartbeatTime;
    }
    const renew = lease?.spec?.renewTime;
    if (renew && (!h.leaseRenew || parseTime(renew) > parseTime(h.leaseRenew))) {
      h.leaseRenew = renew;
      h.probeMs = now;
    }
    const grace = ready ? this.opts.monitorGracePeriodMs : this.opts.startupGracePeriodMs;
    if (now <= h.probeMs + grace) return undefined;
    return silenced(node, rfc3339(new Date(now)));
  }

  forget(name: string): void {
    this.health.delete(name);
  }
}

/** `node` with its watched conditions Unknown, or undefined when they already are. */
function silenced(node: Node, now: string): Node | undefined {
  const next = structuredClone(node);
  const conditions = next.status!.conditions;
  let changed = false;
  for (const type of WATCHED_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp ?? '',
        lastTransitionTime: now,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = now;
      changed = true;
    }
  }
  return changed ? next : undefined;
}
