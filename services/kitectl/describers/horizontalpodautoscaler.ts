// `describe horizontalpodautoscaler`, as kubectl's describeHorizontalPodAutoscalerV2
// (pkg/describe/describe.go) prints it: the reference, each metric's current value against its
// target, min/max replicas, the behavior's rules when set, the target's current and desired pod
// counts and the conditions.
import type { HPAScalingRules, HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../../../lib/gen/kite/autoscaling/v2/types';
import type { Event } from '../../../lib/gen/kite/core/v1/types';
import { rfc1123z } from '../../../lib/printers/age';
import { DescribeWriter, writeAnnotations, writeLabels, writeEvents } from './describe-writer';

const UNKNOWN = '<unknown>';

/** One metric's line(s) in the Metrics section. */
function writeMetric(w: DescribeWriter, m: MetricSpec, status: MetricStatus | undefined): void {
  switch (m.type) {
    case 'External': {
      const src = m.external!;
      const current = status?.external?.current;
      if (src.target?.averageValue !== undefined) w.write(1, `"${src.metric?.name}" (target average value):\t${current?.averageValue ?? UNKNOWN} / ${src.target.averageValue}\n`);
      else w.write(1, `"${src.metric?.name}" (target value):\t${status?.external ? (current?.value ?? '0') : UNKNOWN} / ${src.target?.value ?? '0'}\n`);
      return;
    }
    case 'Pods':
      w.write(1, `"${m.pods!.metric?.name}" on pods:\t${status?.pods ? (status.pods.current?.averageValue ?? '0') : UNKNOWN} / ${m.pods!.target?.averageValue ?? '0'}\n`);
      return;
    case 'Object': {
      const src = m.object!;
      w.write(1, `"${src.metric?.name}" on ${src.describedObject?.kind}/${src.describedObject?.name} `);
      const current = status?.object ? status.object.current : undefined;
      if (src.target?.type === 'AverageValue') w.write(0, `(target average value):\t${status?.object ? (current?.averageValue ?? '0') : UNKNOWN} / ${src.target.averageValue ?? '0'}\n`);
      else w.write(0, `(target value):\t${status?.object ? (current?.value ?? '0') : UNKNOWN} / ${src.target?.value ?? '0'}\n`);
      return;
    }
    case 'Resource':
    case 'ContainerResource': {
      const container = m.type === 'ContainerResource';
      const src = container ? m.containerResource! : m.resource!;
      const current = container ? status?.containerResource?.current : status?.resource?.current;
      w.write(1, container ? `resource ${src.name} of container "${m.containerResource!.container}" on pods` : `resource ${src.name} on pods`);
      if (src.target?.averageValue !== undefined) {
        w.write(0, `:\t${current ? (current.averageValue ?? '0') : UNKNOWN} / ${src.target.averageValue}\n`);
        return;
      }
      const now = current?.averageUtilization !== undefined ? `${current.averageUtilization}% (${current.averageValue ?? '0'})` : UNKNOWN;
      const target = src.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
      w.write(1, `(as a percentage of request):\t${now} / ${target}\n`);
      return;
    }
    default:
      w.write(1, `<unknown metric type "${m.type}">\n`);
  }
}

/** printDirectionBehavior. */
function writeRules(w: DescribeWriter, direction: string, rules: HPAScalingRules | undefined): void {
  if (!rules) return;
  w.write(1, `${direction}:\n`);
  if (rules.stabilizationWindowSeconds !== undefined) w.write(2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds\n`);
  if (rules.policies.length === 0) return;
  w.write(2, `Select Policy: ${rules.selectPolicy ?? 'Max'}\n`);
  w.write(2, 'Policies:\n');
  for (const p of rules.policies) w.write(3, `- Type: ${p.type}\tValue: ${p.value}\tPeriod: ${p.periodSeconds} seconds\n`);
}

export function describeHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = hpa.metadata;
  const spec = hpa.spec;
  const st = hpa.status;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m?.creationTimestamp)}\n`);
  w.write(0, `Reference:\t${spec?.scaleTargetRef?.kind}/${spec?.scaleTargetRef?.name}\n`);
  w.write(0, 'Metrics:\t( current / target )\n');
  (spec?.metrics ?? []).forEach((metric, i) => writeMetric(w, metric, st?.currentMetrics[i]));
  w.write(0, `Min replicas:\t${spec?.minReplicas ?? '<unset>'}\n`);
  w.write(0, `Max replicas:\t${spec?.maxReplicas ?? 0}\n`);
  if (spec?.behavior) {
    w.write(0, 'Behavior:\n');
    writeRules(w, 'Scale Up', spec.behavior.scaleUp);
    writeRules(w, 'Scale Down', spec.behavior.scaleDown);
  }
  w.write(0, `${spec?.scaleTargetRef?.kind} pods:\t`);
  w.write(0, `${st?.currentReplicas ?? 0} current / ${st?.desiredReplicas ?? 0} desired\n`);
  if ((st?.conditions.length ?? 0) > 0) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tReason\tMessage\n');
    w.write(1, '----\t------\t------\t-------\n');
    for (const c of st!.conditions) w.write(1, `${c.type}\t${c.status}\t${c.reason}\t${c.message}\n`);
  }
  writeEvents(w, events, now);
  return w.toString();
}
