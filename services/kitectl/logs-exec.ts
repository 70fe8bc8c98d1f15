// `kitectl logs` and `kitectl exec`: streams from a pod's container, which the apiserver proxies
// from the pod's kubelet (PodService/PodLogs and PodService/ExecPod).
import { fromServiceError } from '../../lib/api/errors';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { ExecPodRequest, ExecPodResponse, ExecPodStart, PodLogChunk } from '../../lib/gen/kite/core/v1/services';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';

export interface LogsOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: string;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** -l: every matching pod (then --tail defaults to 10, as kubectl's). */
  selector?: string;
  /** How long to wait for a controller's first pod (--pod-running-timeout, 20 s). */
  podRunningTimeoutMs?: number;
  /** With -f and -l, the most pods followed at once (--max-log-requests, 5). */
  maxLogRequests?: number;
}

/** "pod/x" or "x" (kubectl also accepts pods/x and po/x). */
export function podName(arg: string | undefined): string {
  if (!arg) throw new CliError('expected POD argument');
  const m = arg.match(/^(?:pods?|po)\/(.+)$/);
  return m ? m[1] : arg;
}

/** A pod's logs; for a controller (job/pi, deployment/web) its first pod's; with -l every matching pod's. */
export async function logs(cli: Cli, podArg: string | undefined, opts: LogsOptions): Promise<void> {
  const tailArg = opts.tail ?? (opts.selector !== undefined ? '10' : undefined);
  const tail = tailArg === undefined || tailArg === '-1' ? undefined : Number(tailArg);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new CliError(`invalid argument "${opts.tail}" for "--tail" flag`);
  const { logsTargets } = require('./logs-target') as typeof import('./logs-target');
  const names = await logsTargets(cli, podArg === undefined ? undefined : podName(podArg), opts.selector, opts.podRunningTimeoutMs ?? 20_000);
  const max = opts.maxLogRequests ?? 5;
  if (opts.follow && names.length > max) {
    throw new CliError(`you are attempting to follow ${names.length} log streams, but maximum allowed concurrency is ${max}, use --max-log-requests to increase the limit`);
  }
  const namespace = await cli.namespace();
  if (opts.follow) await Promise.all(names.map((name) => podLogs(cli, namespace, name, tail, opts)));
  else for (const name of names) await podLogs(cli, namespace, name, tail, opts);
}

async function podLogs(cli: Cli, namespace: string, name: string, tail: number | undefined, opts: LogsOptions): Promise<void> {
  const pods = (await cli.clientset()).pods;
  const chunks = pods.serverStream<PodLogChunk>(
    'logs',
    {
      namespace,
      podName: name,
      podUid: '',
      container: opts.container ?? '',
      follow: !!opts.follow,
      previous: !!opts.previous,
      tailLines: tail,
      timestamps: !!opts.timestamps,
      sinceSeconds: opts.sinceSeconds,
      sinceTime: '',
    },
    cli.io.signal,
  );
  for await (const c of chunks) cli.io.out(Buffer.from(c.content).toString('utf8'));
}

export interface ExecOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
}

/** Thrown to end kitectl with the command's own exit code (as kubectl does). */
export class ExitCode extends Error {
  override name = 'ExitCode';
  constructor(readonly code: number) {
    super(`command terminated with exit code ${code}`);
  }
}

/**
 * One exec or attach stream: the start, then stdin (all of it, then its close) if given; stdout and
 * stderr printed as they come. Resolves with the exit code the last response carried, if any.
 */
export function streamSession(cli: Cli, call: ClientDuplexStream<ExecPodRequest, ExecPodResponse>, start: ExecPodStart, input: string | undefined): Promise<number | undefined> {
  return new Promise<number | undefined>((resolve, reject) => {
    let code: number | undefined;
    call.on('data', (r: ExecPodResponse) => {
      if (r.stdout.length) cli.io.out(Buffer.from(r.stdout).toString('utf8'));
      if (r.stderr.length) cli.io.err(Buffer.from(r.stderr).toString('utf8'));
      if (r.exitCode !== undefined) code = r.exitCode;
    });
    call.on('error', (err: Parameters<typeof fromServiceError>[0]) => reject(typeof err.code === 'number' ? fromServiceError(err) : err));
    call.on('end', () => resolve(code));
    cli.io.signal.addEventListener('abort', () => call.cancel(), { once: true });
    call.write({ start, stdin: Buffer.alloc(0), stdinClose: false });
    if (input !== undefined) {
      if (input.length) call.write({ stdin: Buffer.from(input), stdinClose: false });
      call.write({ stdin: Buffer.alloc(0), stdinClose: true });
    }
    call.end();
  });
}

export async function exec(cli: Cli, podArg: string, command: string[], opts: ExecOptions): Promise<void> {
  const name = podName(podArg);
  if (command.length === 0) throw new CliError('you must specify at least one command for the container');
  const namespace = await cli.namespace();
  const input = opts.stdin ? await cli.io.readStdin() : undefined;
  const pods = (await cli.clientset()).pods;
  const start = { namespace, podName: name, podUid: '', container: opts.container ?? '', command, stdin: input !== undefined, tty: !!opts.tty, size: undefined };
  const exitCode = (await streamSession(cli, pods.duplex<ExecPodRequest, ExecPodResponse>('exec'), start, input)) ?? 0;
  if (exitCode !== 0) throw new ExitCode(exitCode);
}
