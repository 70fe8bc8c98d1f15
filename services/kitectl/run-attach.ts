// `kitectl run --attach` (-i sets it, as kubectl's does): after creating the pod, waits until it is
// running and ready (or done: then its logs are printed), attaches to it with kitectl attach's
// machinery, then (restart policy Never or OnFailure, stdin not left open) waits for the pod to
// finish and ends with its container's exit code, as kubectl run does (pkg/cmd/run's
// handleAttachPod, waitForPod and the exit code switch); --rm deletes what run created.
import type { Pod } from '../../lib/gen/kite/core/v1/types';
import type { KindInfo } from '../../lib/api/kinds';
import { attach } from './attach';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { ExitCode, logs } from './logs-exec';
import { qualifiedKind } from './printers/table-printer';

export interface AttachRunOptions {
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
  leaveStdinOpen?: boolean;
  /** The policy kubectl waits by: --restart, else OnFailure with -i, else Always. */
  restartPolicy: string;
  /** --pod-running-timeout in milliseconds (0: no limit). */
  timeoutMs: number;
}

class PodCompleted extends Error {}

type Condition = (pod: Pod) => boolean;

/** podRunningAndReady: Running with Ready=True; a finished pod ends the wait with PodCompleted. */
const runningAndReady: Condition = (pod) => {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new PodCompleted();
  return phase === 'Running' && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
};
const completed: Condition = (pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const succeeded: Condition = (pod) => pod.status?.phase === 'Succeeded';

/** waitForPod: the pod read, then watched from that version until the condition holds. */
async function waitForPod(cli: Cli, namespace: string, name: string, timeoutMs: number, condition: Condition): Promise<Pod> {
  const pods = (await cli.clientset()).pods;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  cli.io.signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = timeoutMs ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined;
  try {
    let pod = await pods.get(name, namespace);
    if (condition(pod)) return pod;
    let rv = pod.metadata?.resourceVersion ?? '';
    while (!controller.signal.aborted) {
      for await (const ev of pods.watch({ namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: rv }, controller.signal)) {
        if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
        if (ev.type === 'DELETED') throw new CliError(`pods "${name}" not found`);
        if (ev.type === 'BOOKMARK' || !ev.object) continue;
        pod = ev.object;
        if (condition(pod)) return pod;
      }
    }
    throw new CliError(timedOut ? 'timed out waiting for the condition' : 'interrupted');
  } finally {
    if (timer) clearTimeout(timer);
    cli.io.signal.removeEventListener('abort', onAbort);
  }
}

/** handleAttachPod: attach when running, the logs when it already finished (or attaching failed). */
async function attachOrLogs(cli: Cli, namespace: string, name: string, o: AttachRunOptions): Promise<void> {
  try {
    await waitForPod(cli, namespace, name, o.timeoutMs, runningAndReady);
  } catch (e) {
    if (!(e instanceof PodCompleted)) throw e;
    await logs(cli, name, {});
    return;
  }
  try {
    await attach(cli, name, { stdin: o.stdin, tty: o.tty, quiet: o.quiet });
  } catch (e) {
    // The exit code comes from the pod's status below, as kubectl reads it.
    if (e instanceof ExitCode) return;
    cli.io.err(`warning: couldn't attach to pod/${name}, falling back to streaming logs: ${e instanceof Error ? e.message : String(e)}\n`);
    await logs(cli, name, {});
  }
}

/**
 * The exit code switch of kubectl run: Succeeded 0, Failed the container's code (with kubectl's
 * "terminated" lines on stderr), else an error.
 */
function exitOf(cli: Cli, pod: Pod, namespace: string, name: string): void {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return;
  if (phase !== 'Failed') throw new CliError(`pod ${namespace}/${name} left in phase ${phase}`);
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  if (!terminated || terminated.exitCode === 0) throw new CliError(`pod ${namespace}/${name} failed with unknown exit code`);
  const text = `pod ${namespace}/${name} terminated (${terminated.reason})\n${terminated.message}`;
  cli.io.err(text.endsWith('\n') ? text : `${text}\n`);
  throw new ExitCode(terminated.exitCode);
}

/** Attaches to the created pod, then removes the created objects with --rm (pod "x" deleted). */
export async function attachRun(cli: Cli, name: string, created: { kind: KindInfo; name: string }[], o: AttachRunOptions & { rm?: boolean }): Promise<void> {
  const namespace = await cli.namespace();
  try {
    await attachOrLogs(cli, namespace, name, o);
    const waitForExit = !o.leaveStdinOpen && (o.restartPolicy === 'Never' || o.restartPolicy === 'OnFailure');
    if (!waitForExit) return;
    const pod = await waitForPod(cli, namespace, name, o.timeoutMs, o.restartPolicy === 'OnFailure' ? succeeded : completed);
    exitOf(cli, pod, namespace, name);
  } finally {
    if (o.rm) {
      const cs = await cli.clientset();
      for (const c of created) {
        try {
          await cs.resource(c.kind).delete(c.name, { namespace });
          if (!o.quiet) cli.io.out(`${qualifiedKind(c.kind)} "${c.name}" deleted\n`);
        } catch (e) {
          if ((e as { code?: number }).code !== 404) throw e;
        }
      }
    }
  }
}
