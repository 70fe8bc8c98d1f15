// The HPA's normalization against Kubernetes' horizontal_test.go cases: without a behavior the
// downscale stabilization window and the max(2 x current, 4) scale-up rate; with one the
// scale-up and scale-down windows, the policies over their periods from the scale events, the
// select policies, and min/max with their ScalingLimited reasons.
import assert from 'node:assert/strict';
import { ScalingHistory, type NormalizeArgs, type ResolvedBehavior } from '../../../../services/controller-manager/podautoscaler/normalization';

const T = Date.parse('2024-01-01T00:00:00Z');
const at = (s: number) => T + s * 1000;
const args = (currentReplicas: number, desiredReplicas: number, now = T, minReplicas = 1, maxReplicas = 100): NormalizeArgs => ({ key: 'default/web', currentReplicas, desiredReplicas, minReplicas, maxReplicas, now });

function behavior(over: { upWindow?: number; downWindow?: number; up?: ResolvedBehavior['scaleUp']['policies']; down?: ResolvedBehavior['scaleDown']['policies']; upSelect?: string; downSelect?: string } = {}): ResolvedBehavior {
  return {
    scaleUp: {
      stabilizationWindowSeconds: over.upWindow ?? 0,
      selectPolicy: over.upSelect ?? 'Max',
      policies: over.up ?? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: { stabilizationWindowSeconds: over.downWindow ?? 300, selectPolicy: over.downSelect ?? 'Max', policies: over.down ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  };
}

describe('HPA normalization (Kubernetes horizontal.go)', () => {
  describe('without a behavior', () => {
    it('bounds a scale-up by max(2 x current, 4), then max replicas', () => {
      const h = new ScalingHistory(300_000);
      assert.deepEqual(h.normalize(args(3, 10)), {
        desiredReplicas: 6,
        ableToScale: { reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
        scalingLimited: { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate', limited: true },
      });
      assert.deepEqual(new ScalingHistory(300_000).normalize(args(1, 3)).desiredReplicas, 3);
      const tooMany = new ScalingHistory(300_000).normalize(args(3, 6, T, 1, 5));
      assert.deepEqual([tooMany.desiredReplicas, tooMany.scalingLimited.reason, tooMany.scalingLimited.limited], [5, 'TooManyReplicas', true]);
      const tooFew = new ScalingHistory(300_000).normalize(args(3, 1, T, 2, 5));
      assert.deepEqual([tooFew.desiredReplicas, tooFew.scalingLimited.reason, tooFew.scalingLimited.message], [2, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count']);
      const within = new ScalingHistory(300_000).normalize(args(3, 4));
      assert.deepEqual(within.scalingLimited, { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range', limited: false });
    });

    it('applies the highest recommendation of the downscale window', () => {
      const h = new ScalingHistory(300_000);
      h.recordInitial('default/web', 5, at(0));
      const held = h.normalize(args(5, 2, at(60)));
      assert.deepEqual([held.desiredReplicas, held.ableToScale.reason], [5, 'ScaleDownStabilized']);
      assert.equal(held.ableToScale.message, 'recent recommendations were higher than current one, applying the highest recent recommendation');
      // The initial 5 has left the window; the 2 of t=60 is the highest left.
      assert.equal(h.normalize(args(5, 2, at(301))).desiredReplicas, 2);
    });
  });

  describe('with a behavior', () => {
    it('scales up by the larger of +4 pods and +100% per 15 s (the default rules)', () => {
      const h = new ScalingHistory(300_000);
      const n = h.normalizeWithBehavior(args(5, 20), behavior());
      assert.deepEqual([n.desiredReplicas, n.scalingLimited.reason, n.scalingLimited.limited], [10, 'ScaleUpLimit', true]);
      assert.equal(new ScalingHistory(300_000).normalizeWithBehavior(args(1, 20), behavior()).desiredReplicas, 5);
    });

    it('counts the scale events of the period: no further scale-up until it has passed', () => {
      const h = new ScalingHistory(300_000);
      const b = behavior();
      h.recordScaleEvent('default/web', b, 5, 10, at(0));
      // The period started at 5: the limit is 10 again.
      assert.equal(h.normalizeWithBehavior(args(10, 40, at(10)), b).desiredReplicas, 10);
      assert.equal(h.normalizeWithBehavior(args(10, 40, at(16)), b).desiredReplicas, 20);
    });

    it('Min selects the smaller change and Disabled none', () => {
      assert.equal(new ScalingHistory(300_000).normalizeWithBehavior(args(5, 20), behavior({ upSelect: 'Min' })).desiredReplicas, 9);
      const off = new ScalingHistory(300_000).normalizeWithBehavior(args(5, 20), behavior({ upSelect: 'Disabled' }));
      assert.deepEqual([off.desiredReplicas, off.scalingLimited.reason], [5, 'ScaleUpLimit']);
    });

    it('scales down by the policies: 1 pod a minute', () => {
      const b = behavior({ downWindow: 0, down: [{ type: 'Pods', value: 1, periodSeconds: 60 }] });
      const h = new ScalingHistory(300_000);
      const n = h.normalizeWithBehavior(args(5, 2, at(0)), b);
      assert.deepEqual([n.desiredReplicas, n.scalingLimited.reason, n.scalingLimited.message], [4, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']);
      h.recordScaleEvent('default/web', b, 5, 4, at(0));
      assert.equal(h.normalizeWithBehavior(args(4, 2, at(30)), b).desiredReplicas, 4);
      assert.equal(h.normalizeWithBehavior(args(4, 2, at(61)), b).desiredReplicas, 3);
      // Percent rounds the bound down: 10% off 5 is floor(4.5) = 4.
      assert.equal(new ScalingHistory(0).normalizeWithBehavior(args(5, 1, at(0)), behavior({ downWindow: 0, down: [{ type: 'Percent', value: 10, periodSeconds: 60 }] })).desiredReplicas, 4);
    });

    it('keeps the highest recommendation of the scale-down window and the lowest of the scale-up window', () => {
      const h = new ScalingHistory(300_000);
      const b = behavior({ upWindow: 60, downWindow: 120 });
      h.recordInitial('default/web', 4, at(0));
      const down = h.normalizeWithBehavior(args(4, 1, at(30)), b);
      assert.deepEqual([down.desiredReplicas, down.ableToScale.reason], [4, 'ScaleDownStabilized']);
      // The up window holds 4 and 1: the lowest, 1 < current, so no scale-up to 8 yet.
      const up = h.normalizeWithBehavior(args(4, 8, at(40)), b);
      assert.deepEqual([up.desiredReplicas, up.ableToScale.reason, up.ableToScale.message], [4, 'ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation']);
      // Past both windows of the 4 and the 1, the 8 of t=40 is within the up window: the lowest is 8.
      assert.equal(h.normalizeWithBehavior(args(4, 8, at(95)), b).desiredReplicas, 8);
      // A scale-down waits for the 8s to leave the 120 s window.
      assert.equal(h.normalizeWithBehavior(args(8, 2, at(200)), b).desiredReplicas, 8);
      assert.equal(h.normalizeWithBehavior(args(8, 2, at(330)), b).desiredReplicas, 2);
    });

    it('bounds by min and max replicas', () => {
      const n = new ScalingHistory(300_000).normalizeWithBehavior(args(5, 50, T, 1, 8), behavior());
      assert.deepEqual([n.desiredReplicas, n.scalingLimited.reason], [8, 'TooManyReplicas']);
      const f = new ScalingHistory(300_000).normalizeWithBehavior(args(5, 1, T, 3, 8), behavior({ downWindow: 0 }));
      assert.deepEqual([f.desiredReplicas, f.scalingLimited.reason], [3, 'TooFewReplicas']);
    });
  });
});
