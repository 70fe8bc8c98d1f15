// `describe deployment` and `describe replicaset`.
import type { Deployment, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Event, Pod } from '../../../lib/gen/kite/core/v1/types';
import { rfc1123z } from '../../../lib/printers/age';
import { formatSelector } from '../../../lib/printers/format';
import { DescribeWriter, controlledBy, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { writePodTemplate } from './pod-template';

const intOrPercent = (v: unknown, dflt: string) => (v === undefined || v === null || v === '' ? dflt : String(v));

function rsSummary(rs: ReplicaSet): string {
  return `${rs.metadata?.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`;
}

/** `newRS` is the ReplicaSet whose template matches the Deployment's; `oldRSs` the others it owns. */
export function describeDeployment(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = d.metadata;
  const spec = d.spec;
  const st = d.status;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m?.creationTimestamp)}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `Selector:\t${formatSelector(spec?.selector)}\n`);
  const replicas = spec?.replicas ?? 1;
  w.write(
    0,
    `Replicas:\t${replicas} desired | ${st?.updatedReplicas ?? 0} updated | ${st?.replicas ?? 0} total | ${st?.availableReplicas ?? 0} available | ${st?.unavailableReplicas ?? 0} unavailable\n`,
  );
  if (spec?.paused) w.write(0, 'Paused:\ttrue\n');
  const strategy = spec?.strategy?.type || 'RollingUpdate';
  w.write(0, `StrategyType:\t${strategy}\n`);
  w.write(0, `MinReadySeconds:\t${spec?.minReadySeconds ?? 0}\n`);
  if (strategy === 'RollingUpdate') {
    const ru = spec?.strategy?.rollingUpdate;
    w.write(0, `RollingUpdateStrategy:\t${intOrPercent(ru?.maxUnavailable, '25%')} max unavailable, ${intOrPercent(ru?.maxSurge, '25%')} max surge\n`);
  }
  writePodTemplate(w, spec?.template);
  if (st?.conditions.length) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tReason\n');
    w.write(1, '----\t------\t------\n');
    for (const c of st.conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason}\n`);
  }
  w.write(0, `OldReplicaSets:\t${oldRSs.length ? oldRSs.map(rsSummary).join(', ') : '<none>'}\n`);
  w.write(0, `NewReplicaSet:\t${newRS ? rsSummary(newRS) : '<none>'}\n`);
  writeEvents(w, events, now);
  return w.toString();
}

export function describeReplicaSet(rs: ReplicaSet, pods: Pod[], events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = rs.metadata;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  w.write(0, `Selector:\t${formatSelector(rs.spec?.selector)}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  const owner = controlledBy(m);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec?.replicas ?? 0} desired\n`);
  const count = (phase: string) => pods.filter((p) => p.status?.phase === phase).length;
  w.write(0, `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed\n`);
  writePodTemplate(w, rs.spec?.template);
  if (rs.status?.conditions.length) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tReason\n');
    w.write(1, '----\t------\t------\n');
    for (const c of rs.status.conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason}\n`);
  }
  writeEvents(w, events, now);
  return w.toString();
}
