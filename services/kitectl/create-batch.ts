// `kitectl create cronjob` and `kitectl create job`, as kubectl's pkg/cmd/create
// (create_cronjob.go, create_job.go): a CronJob of one container (named after the CronJob) on a
// schedule, restartPolicy OnFailure by default; a Job of one container (restartPolicy Never), or
// --from=cronjob/NAME: the CronJob's Job template instantiated by hand (annotation
// cronjob.kubernetes.io/instantiate=manual, the template's labels, a controller reference).
import { CronJobs, Jobs } from '../../lib/api/kinds';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { newMeta, type KubeJSON } from './create-config';
import { runGenerator, type GeneratorFlags } from './create';
import { toKubeJSON } from './printers/object-output';
import { resolveKind } from './resource-args';

export interface CreateCronJobOptions {
  image?: string;
  schedule?: string;
  restart?: string;
  command: string[];
}

/** kubectl's CreateCronJobOptions.Validate and createCronJob. */
export async function createCronJob(cli: Cli, name: string, opts: CreateCronJobOptions, flags: GeneratorFlags = {}): Promise<void> {
  const missing = [...(opts.image ? [] : ['"image"']), ...(opts.schedule ? [] : ['"schedule"'])];
  if (missing.length > 0) throw new CliError(`required flag(s) ${missing.join(', ')} not set`);
  const restart = opts.restart ?? 'OnFailure';
  const build = (namespace: string | undefined): KubeJSON => ({
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: newMeta(name, namespace),
    spec: {
      schedule: opts.schedule,
      jobTemplate: {
        metadata: newMeta(name, undefined),
        spec: { template: { metadata: { creationTimestamp: null }, spec: podSpec(name, opts.image!, opts.command, restart) } },
      },
    },
    status: {},
  });
  await runGenerator(cli, { kind: CronJobs, build }, flags);
}

export interface CreateJobOptions {
  image?: string;
  from?: string;
  command: string[];
}

/** kubectl's CreateJobOptions.Validate, createJob and createJobFromCronJob. */
export async function createJob(cli: Cli, name: string, opts: CreateJobOptions, flags: GeneratorFlags = {}): Promise<void> {
  if (!opts.image === !opts.from) throw new CliError('either --image or --from must be specified');
  if (opts.from && opts.command.length > 0) throw new CliError('cannot specify --from and command');
  if (!opts.from) {
    const build = (namespace: string | undefined): KubeJSON => ({
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: newMeta(name, namespace),
      spec: { template: { metadata: { creationTimestamp: null }, spec: podSpec(name, opts.image!, opts.command, 'Never') } },
      status: {},
    });
    await runGenerator(cli, { kind: Jobs, build }, flags);
    return;
  }
  const slash = opts.from.indexOf('/');
  if (slash <= 0) throw new CliError(`error: arguments in resource/name form must have a single resource and name`);
  const kind = resolveKind(opts.from.slice(0, slash));
  if (kind !== CronJobs) throw new CliError(`unknown object type ${kind.kind}`);
  // kubectl reads the CronJob from the server even for --dry-run=client.
  const cs = await cli.clientset();
  const cronJob = await cs.resource(CronJobs).get(opts.from.slice(slash + 1), await cli.namespace());
  const cj = toKubeJSON(CronJobs, cronJob) as { metadata: KubeJSON; spec: { jobTemplate?: { metadata?: KubeJSON; spec?: KubeJSON } } };
  const template = cj.spec.jobTemplate ?? {};
  const build = (namespace: string | undefined): KubeJSON => {
    const labels = template.metadata?.labels as Record<string, string> | undefined;
    const annotations = { 'cronjob.kubernetes.io/instantiate': 'manual', ...(template.metadata?.annotations as Record<string, string> | undefined) };
    return {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: {
        name,
        ...(namespace ? { namespace } : {}),
        creationTimestamp: null,
        ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
        annotations,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid, controller: true }],
      },
      spec: template.spec ?? {},
      status: {},
    };
  };
  await runGenerator(cli, { kind: Jobs, build }, flags);
}

function podSpec(name: string, image: string, command: string[], restartPolicy: string): KubeJSON {
  return {
    containers: [{ name, image, ...(command.length > 0 ? { command } : {}), resources: {} }],
    restartPolicy,
  };
}
