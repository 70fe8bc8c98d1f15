// `kitectl run NAME --image=IMAGE [-- args...]`: creates the Pod kubectl run creates (pkg/cmd/run
// with generate/versioned's BasicPod: label run=NAME unless --labels, one container named NAME,
// the arguments as args, or as command with --command, ports, env, annotations, pull policy,
// privileged) and, with --expose, the ClusterIP Service run's ServiceGeneratorV2 makes (selector:
// --labels, else run=NAME; port and target port: --port). Checks and their order are kubectl's
// (RunOptions.Validate, then the generator's); the Service is printed before the Pod, as kubectl
// does. With --attach (-i sets it) it attaches to the pod (run-attach.ts) instead of printing it.
import { Pods, Services, type KindInfo } from '../../lib/api/kinds';
import { parseDuration, type Cli } from './cli-context';
import { CliError } from './cli-errors';
import { newMeta, type KubeJSON } from './create-config';
import { parseDryRun, parseGeneratorOutput } from './create';
import { atoi, buildService, parseLabelSpec } from './expose-service';
import { applyOverrides, formatGenerated, sendGenerated, type Generated } from './generated-object';

export interface RunOptions {
  image?: string;
  port?: string;
  expose?: boolean;
  labels?: string;
  env?: string[];
  annotations?: string[];
  restart?: string;
  command?: boolean;
  imagePullPolicy?: string;
  privileged?: boolean;
  overrides?: string;
  dryRun?: string;
  output?: string;
  saveConfig?: boolean;
  stdin?: boolean;
  tty?: boolean;
  attach?: boolean;
  rm?: boolean;
  quiet?: boolean;
  leaveStdinOpen?: boolean;
  /** --pod-running-timeout (default 1m). */
  podRunningTimeout?: string;
}

/** docker's reference grammar (distribution/reference.ReferenceRegexp), anchored. */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

const usage = (message: string) => new CliError(`${message}\nSee 'kitectl run -h' for help and examples`);

/** RunOptions.Validate (after the flags' own parsing), in kubectl's order. */
export function validateRun(args: string[], o: RunOptions, dryRun: string): void {
  if (!args.length) throw usage('NAME is required for run');
  if (!o.image) throw new CliError('required flag(s) "image" not set');
  if (!REFERENCE.test(o.image)) throw new CliError(`Invalid image name "${o.image}": invalid reference format`);
  if (o.tty && !o.stdin) throw usage('-i/--stdin is required for containers with -t/--tty=true');
  if (o.expose && !o.port) throw usage('--port must be set when exposing a service');
  if (o.restart && !['Always', 'OnFailure', 'Never'].includes(o.restart)) throw usage(`invalid restart policy: ${o.restart}`);
  const attach = o.attach ?? o.stdin ?? false;
  if (!attach && o.rm) throw usage('--rm should only be used for attached containers');
  if (attach && dryRun !== 'none') throw usage("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)");
  if (o.imagePullPolicy && !['Always', 'IfNotPresent', 'Never'].includes(o.imagePullPolicy)) throw usage(`invalid image pull policy: ${o.imagePullPolicy}`);
}

/** generate/versioned's parseEnvs: NAME=VALUE, NAME a valid environment variable name. */
function parseEnvs(env: string[]): KubeJSON[] {
  return env.map((e) => {
    const i = e.indexOf('=');
    const name = i < 0 ? '' : e.slice(0, i);
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name)) throw new CliError(`invalid env: ${e}`);
    const value = e.slice(i + 1);
    return value ? { name, value } : { name };
  });
}

/** --annotations k=v (the value may hold "="). */
function parseAnnotations(list: string[]): Record<string, string> | undefined {
  if (!list.length) return undefined;
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i <= 0) throw new CliError(`invalid annotations format: ${a}`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}

/** BasicPod.Generate: the Pod of `kubectl run NAME [args...]`, in Go's field order. */
export function buildRunPod(name: string, args: string[], o: RunOptions, namespace: string | undefined): KubeJSON {
  const env = parseEnvs(o.env ?? []);
  const labels = o.labels ? parseLabelSpec(o.labels) : { run: name };
  const annotations = parseAnnotations(o.annotations ?? []);
  const port = o.port ? atoi(o.port) : undefined;
  const stdin = Boolean(o.stdin);
  const container: KubeJSON = {
    name,
    image: o.image,
    ...(args.length ? { [o.command ? 'command' : 'args']: args } : {}),
    ...(port === undefined ? {} : { ports: [{ containerPort: port }] }),
    ...(env.length ? { env } : {}),
    resources: {},
    ...(o.imagePullPolicy ? { imagePullPolicy: o.imagePullPolicy } : {}),
    ...(o.privileged ? { securityContext: { privileged: true } } : {}),
    ...(stdin ? { stdin } : {}),
    ...(stdin && !o.leaveStdinOpen ? { stdinOnce: true } : {}),
    ...(o.tty ? { tty: true } : {}),
  };
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { ...newMeta(name, namespace), labels: Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]])), ...(annotations ? { annotations } : {}) },
    spec: { containers: [container], restartPolicy: o.restart || 'Always', dnsPolicy: 'ClusterFirst' },
    status: {},
  };
}

/** The Service of `run --expose` (ServiceGeneratorV2 with run's parameters). */
export function buildRunService(name: string, o: RunOptions, namespace: string | undefined): KubeJSON {
  return buildService({ name, selector: o.labels || `run=${name}`, labels: o.labels, port: o.port }, namespace);
}

export async function runCmd(cli: Cli, args: string[], o: RunOptions): Promise<void> {
  const dryRun = parseDryRun(o.dryRun);
  const fmt = parseGeneratorOutput(o.output);
  validateRun(args, o, dryRun);
  const timeoutMs = parseDuration(o.podRunningTimeout ?? '1m', '--pod-running-timeout');
  const [name, ...rest] = args;
  const namespace = cli.namespaceGiven ? cli.global.namespace : undefined;
  const pod = await sendGenerated(cli, Pods, applyOverrides(Pods, buildRunPod(name, rest, o, namespace), o.overrides), dryRun, o.saveConfig);
  const created: { kind: KindInfo; name: string }[] = [{ kind: Pods, name }];
  let failure: unknown;
  if (o.expose) {
    let service: Generated | undefined;
    try {
      service = await sendGenerated(cli, Services, buildRunService(name, o, namespace), dryRun, o.saveConfig);
      created.push({ kind: Services, name });
    } catch (e) {
      failure = e;
    }
    if (service) {
      cli.io.out(formatGenerated(service, fmt, 'created', dryRun));
      // kubectl separates the two YAML documents itself, and its YAML printer does again.
      if (fmt?.type === 'yaml') cli.io.out('---\n---\n');
    }
  }
  if (o.attach ?? o.stdin) {
    const restartPolicy = o.restart || (o.stdin ? 'OnFailure' : 'Always');
    await (require('./run-attach') as typeof import('./run-attach')).attachRun(cli, name, created, { ...o, restartPolicy, timeoutMs });
    return;
  }
  cli.io.out(formatGenerated(pod, fmt, 'created', dryRun));
  if (failure !== undefined) throw failure;
}
