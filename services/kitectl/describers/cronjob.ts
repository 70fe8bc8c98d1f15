// `describe cronjob`, as kubectl's describeCronJob (pkg/describe/describe.go) prints it: the
// schedule and policies, the job template (describeJobTemplate: selector, parallelism,
// completions, deadline, pod template), the last schedule time and the active Jobs.
import type { CronJob } from '../../../lib/gen/kite/batch/v1/types';
import type { Event } from '../../../lib/gen/kite/core/v1/types';
import { rfc1123z } from '../../../lib/printers/age';
import { formatSelector } from '../../../lib/printers/format';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';
import { writePodTemplate } from './pod-template';
import { boolPtr } from './storageclass';

const orUnset = (v: number | undefined, unit = '') => (v === undefined ? '<unset>' : `${v}${unit}`);

export function describeCronJob(cj: CronJob, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = cj.metadata;
  const spec = cj.spec;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `Schedule:\t${spec?.schedule ?? ''}\n`);
  w.write(0, `Concurrency Policy:\t${spec?.concurrencyPolicy ?? ''}\n`);
  w.write(0, `Suspend:\t${boolPtr(spec?.suspend)}\n`);
  w.write(0, `Successful Job History Limit:\t${orUnset(spec?.successfulJobsHistoryLimit)}\n`);
  w.write(0, `Failed Job History Limit:\t${orUnset(spec?.failedJobsHistoryLimit)}\n`);
  w.write(0, `Starting Deadline Seconds:\t${orUnset(spec?.startingDeadlineSeconds, 's')}\n`);
  const job = spec?.jobTemplate?.spec;
  // LabelSelectorAsSelector prints an empty selector as "" (everything).
  const selector = job?.selector ? formatSelector(job.selector).replace(/^<none>$/, '') : '<unset>';
  w.write(0, `Selector:\t${selector}\n`);
  w.write(0, `Parallelism:\t${orUnset(job?.parallelism)}\n`);
  w.write(0, `Completions:\t${orUnset(job?.completions)}\n`);
  if (job?.activeDeadlineSeconds !== undefined) w.write(0, `Active Deadline Seconds:\t${job.activeDeadlineSeconds}s\n`);
  writePodTemplate(w, job?.template);
  w.write(0, `Last Schedule Time:\t${rfc1123z(cj.status?.lastScheduleTime)}\n`);
  const active = cj.status?.active ?? [];
  w.write(0, `Active Jobs:\t${active.length ? active.map((j) => j.name).join(', ') : '<none>'}\n`);
  writeEvents(w, events, now);
  return w.toString();
}
