// `describe job`, as kubectl's describeJob (pkg/describe/describe.go) prints it.
import type { Job } from '../../../lib/gen/kite/batch/v1/types';
import type { Event } from '../../../lib/gen/kite/core/v1/types';
import { humanDuration, rfc1123z } from '../../../lib/printers/age';
import { formatSelector } from '../../../lib/printers/format';
import { DescribeWriter, controlledBy, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { writePodTemplate } from './pod-template';

/** capIndexesListOrNone: past `softLimit` characters, cut after the next comma and add "...". */
function capIndexes(indexes: string, softLimit = 50): string {
  if (!indexes) return '<none>';
  const comma = indexes.indexOf(',', softLimit);
  return comma < 0 ? indexes : `${indexes.slice(0, comma + 1)}...`;
}

export function describeJob(job: Job, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = job.metadata;
  const spec = job.spec;
  const st = job.status;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  w.write(0, `Selector:\t${spec?.selector ? formatSelector(spec.selector) : ''}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  const owner = controlledBy(m);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);
  if (spec?.parallelism !== undefined) w.write(0, `Parallelism:\t${spec.parallelism}\n`);
  w.write(0, `Completions:\t${spec?.completions ?? '<unset>'}\n`);
  if (spec?.completionMode) w.write(0, `Completion Mode:\t${spec.completionMode}\n`);
  if (spec?.suspend !== undefined) w.write(0, `Suspend:\t${spec.suspend}\n`);
  if (spec?.backoffLimit !== undefined) w.write(0, `Backoff Limit:\t${spec.backoffLimit}\n`);
  if (spec?.ttlSecondsAfterFinished !== undefined) w.write(0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}\n`);
  if (st?.startTime) w.write(0, `Start Time:\t${rfc1123z(st.startTime)}\n`);
  if (st?.completionTime) w.write(0, `Completed At:\t${rfc1123z(st.completionTime)}\n`);
  if (st?.startTime && st.completionTime) w.write(0, `Duration:\t${humanDuration(Date.parse(st.completionTime) - Date.parse(st.startTime))}\n`);
  if (spec?.activeDeadlineSeconds !== undefined) w.write(0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s\n`);
  const counts = `${st?.succeeded ?? 0} Succeeded / ${st?.failed ?? 0} Failed`;
  if (st?.ready === undefined) w.write(0, `Pods Statuses:\t${st?.active ?? 0} Active / ${counts}\n`);
  else w.write(0, `Pods Statuses:\t${st.active} Active (${st.ready} Ready) / ${counts}\n`);
  if (spec?.completionMode === 'Indexed') w.write(0, `Completed Indexes:\t${capIndexes(st?.completedIndexes ?? '')}\n`);
  writePodTemplate(w, spec?.template);
  writeEvents(w, events, now);
  return w.toString();
}
