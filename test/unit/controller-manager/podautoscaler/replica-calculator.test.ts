// The HPA's replica calculator against the cases of Kubernetes' replica_calculator_test.go: scale
// up and down by utilization, the tolerance, unready pods on a scale-up, missing metrics (100% of
// the request on a scale-down, 0 on a scale-up, no change when the direction would flip), ignored
// pods, the CPU initialization period, average value targets, and missing requests.
import assert from 'node:assert/strict';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { rfc3339 } from '../../../../lib/util/time';
import { resourceMetricsOf } from '../../../../services/controller-manager/podautoscaler/metrics-client';
import { ReplicaCalculator, type PodMetricsInfo } from '../../../../services/controller-manager/podautoscaler/replica-calculator';

const NOW = Date.parse('2024-01-01T01:00:00Z');
const ago = (s: number) => rfc3339(new Date(NOW - s * 1000));

interface PodCase {
  /** CPU request (milli); undefined: none. */
  request?: number;
  ready?: boolean;
  phase?: string;
  /** Seconds since start; default 10 minutes (past the CPU initialization period). */
  startedAgo?: number;
  /** Seconds since the Ready condition changed; default 9 minutes. */
  readyChangedAgo?: number;
  deleting?: boolean;
}

function pods(cases: PodCase[]): Pod[] {
  return cases.map((c, i) =>
    Pod.fromPartial({
      metadata: { name: `p${i}`, namespace: 'default', labels: { app: 'web' }, deletionTimestamp: c.deleting ? ago(1) : undefined },
      spec: { containers: [{ name: 'app', resources: { requests: c.request === undefined ? {} : { cpu: `${c.request}m` } } }] },
      status: {
        phase: c.phase ?? 'Running',
        startTime: ago(c.startedAgo ?? 600),
        conditions: [{ type: 'Ready', status: c.ready === false ? 'False' : 'True', lastTransitionTime: ago(c.readyChangedAgo ?? 540) }],
      },
    }),
  );
}

/** Usage (milli) per pod index; undefined: no metric. */
function metrics(levels: (number | undefined)[], timestampAgo = 5): PodMetricsInfo {
  const m: PodMetricsInfo = new Map();
  levels.forEach((v, i) => v !== undefined && m.set(`p${i}`, { timestamp: NOW - timestampAgo * 1000, windowMs: 30_000, value: v }));
  return m;
}

const calc = new ReplicaCalculator();
const byUtilization = (current: number, target: number, p: Pod[], m: PodMetricsInfo) => calc.resourceReplicas(current, target, 'cpu', '', p, m, NOW);

describe('HPA replica calculator (Kubernetes replica_calculator)', () => {
  it('scales up by sum(usage)/sum(requests) over the target', () => {
    // 1500m of 3000m = 50% against 30%: ceil(3 x 50/30) = 5.
    assert.deepEqual(byUtilization(3, 30, pods([{ request: 1000 }, { request: 1000 }, { request: 1000 }]), metrics([300, 500, 700])), { replicas: 5, utilization: 50, rawAverageValue: 500 });
  });

  it('scales down', () => {
    // 1400m of 5000m = 28% against 50%: ceil(5 x 0.56) = 3.
    const r = byUtilization(5, 50, pods(Array(5).fill({ request: 1000 })), metrics([100, 300, 500, 250, 250]));
    assert.deepEqual(r, { replicas: 3, utilization: 28, rawAverageValue: 280 });
  });

  it('keeps the count within the tolerance', () => {
    // 3060m of 3300m = 92%: within 10% of 100%.
    assert.equal(byUtilization(3, 100, pods(Array(3).fill({ request: 1100 })), metrics([1010, 1030, 1020])).replicas, 3);
    // 88% is outside it: ceil(10 x 0.88) = 9.
    assert.equal(byUtilization(10, 100, pods(Array(10).fill({ request: 1000 })), metrics(Array(10).fill(880))).replicas, 9);
  });

  it('counts unready pods as 0% on a scale-up (scaling less)', () => {
    // Ready pods: 1200m of 2000m = 60% vs 30%; with the unready one at 0: 1200/3000 = 40%, ceil(3 x 4/3) = 4.
    const p = pods([{ request: 1000, ready: false, startedAgo: 60, readyChangedAgo: 60 }, { request: 1000 }, { request: 1000 }]);
    assert.deepEqual(byUtilization(3, 30, p, metrics([300, 500, 700])), { replicas: 4, utilization: 60, rawAverageValue: 600 });
  });

  it('ignores unready pods on a scale-down and pending, deleted and failed pods', () => {
    const p = pods([{ request: 1000 }, { request: 1000 }, { request: 1000, phase: 'Pending' }, { request: 1000, deleting: true }, { request: 1000, phase: 'Failed' }]);
    // Only p0 and p1 count: 200m of 2000m = 10% vs 50%: ceil(2 x 0.2) = 1.
    assert.deepEqual(byUtilization(5, 50, p, metrics([100, 100, 900, 900, 900])), { replicas: 1, utilization: 10, rawAverageValue: 100 });
  });

  it('counts pods missing metrics as 100% of their request on a scale-down', () => {
    // 495m of 2000m = 24%; with p2, p3 at 100%: 2495/4000 = 62%, ceil(4 x 0.62) = 3.
    const r = byUtilization(4, 100, pods(Array(4).fill({ request: 1000 })), metrics([400, 95]));
    assert.deepEqual(r, { replicas: 3, utilization: 24, rawAverageValue: 247 });
  });

  it('counts pods missing metrics as 0% on a scale-up', () => {
    // p0, p1 at 300%; with p2, p3 at 0: 6000m of 4000m = 150%, ceil(4 x 1.5) = 6.
    assert.equal(byUtilization(4, 100, pods(Array(4).fill({ request: 1000 })), metrics([3000, 3000])).replicas, 6);
  });

  it('keeps the count when the missing pods flip the direction or bring it within the tolerance', () => {
    // 150% on the ready pods, 75% with the missing ones at 0: no scale.
    assert.equal(byUtilization(4, 100, pods(Array(4).fill({ request: 1000 })), metrics([1500, 1500])).replicas, 4);
    // Exactly on target: missing pods are not filled in, no change.
    assert.equal(byUtilization(2, 100, pods(Array(2).fill({ request: 1000 })), metrics([1000])).replicas, 2);
  });

  it('treats a CPU sample as unready within the initialization period until a window has passed since readiness', () => {
    // Started 60 s ago, ready 10 s ago, sample 5 s old with a 30 s window: not trusted.
    const p = pods([{ request: 1000, startedAgo: 60, readyChangedAgo: 10 }, { request: 1000 }]);
    // Only p1: 900m of 1000m = 90% vs 50%, scale-up with an unready pod: 900/2000 = 45%: direction flips, keep 2.
    assert.equal(byUtilization(2, 50, p, metrics([900, 900])).replicas, 2);
    // After the period a pod that never became ready within the initial readiness delay is unready; one that was ready counts.
    const later = pods([{ request: 1000, ready: false, startedAgo: 600, readyChangedAgo: 590 }, { request: 1000, ready: false, startedAgo: 600, readyChangedAgo: 100 }]);
    // p0 is unready (never ready); p1 counts: 1000m of 1000m = 100% vs 50%; with p0 at 0 on this scale-up, 50%: on target, keep 2.
    assert.equal(byUtilization(2, 50, later, metrics([1000, 1000])).replicas, 2);
  });

  it('scales by an average value target', () => {
    // Average 750m against 500m: ceil(2 x 1.5) = 3.
    assert.deepEqual(calc.rawResourceReplicas(2, 500, 'cpu', '', pods([{ request: 1000 }, { request: 1000 }]), metrics([500, 1000]), NOW), { replicas: 3, rawAverageValue: 750 });
  });

  it('fails on a missing request, no pods, or no metrics', () => {
    assert.throws(() => byUtilization(2, 50, pods([{ request: 1000 }, {}]), metrics([1, 1])), { message: 'missing request for cpu in container app of Pod p1' });
    assert.throws(() => byUtilization(2, 50, [], metrics([1])), { message: 'no pods returned by selector while calculating replica count' });
    assert.throws(() => byUtilization(2, 50, pods([{ request: 1000, phase: 'Pending' }]), metrics([1])), { message: 'did not receive metrics for targeted pods (pods might be unready)' });
  });

  it('reads PodMetrics as usage per pod (a pod lacking the resource in a container has none)', () => {
    const sample = (name: string, containers: { name: string; usage: Record<string, string> }[]) => ({ metadata: { name, namespace: 'default' }, timestamp: '2024-01-01T00:00:00Z', window: '15s', containers });
    const { metrics: m } = resourceMetricsOf(
      [sample('a', [{ name: 'x', usage: { cpu: '100m' } }, { name: 'y', usage: { cpu: '0.2' } }]), sample('b', [{ name: 'x', usage: { memory: '1Mi' } }])],
      'cpu',
      '',
    );
    assert.deepEqual([...m.entries()], [['a', { timestamp: Date.parse('2024-01-01T00:00:00Z'), windowMs: 15_000, value: 300 }]]);
    assert.equal(resourceMetricsOf([sample('a', [{ name: 'x', usage: { cpu: '100m' } }, { name: 'y', usage: { cpu: '0.2' } }])], 'cpu', 'y').metrics.get('a')!.value, 200);
    assert.throws(() => resourceMetricsOf([], 'cpu', ''), { message: 'no metrics returned from resource metrics API' });
  });
});
