// Container lifecycle hooks (Kubernetes' handlerRunner): a postStart or preStop handler run
// against one container instance. exec runs in the container, httpGet goes to the pod IP (or the
// handler's host) with the probes' code (probes/actions.ts), sleep waits. As in Kubernetes a
// tcpSocket handler is accepted by the API but fails when run, and an httpGet fails only when no
// response comes (any status code will do).
import type { Container, LifecycleHandler } from '../../../lib/gen/kite/core/v1/types';
import { realClock, sleep, type Clock } from '../../../lib/util/clock';
import { execCommand, httpGet } from '../probes/actions';
import type { ContainerRuntime } from '../runtime/types';

export interface HookTarget {
  /** The pod, for messages ("web_default(uid)"). */
  pod: { name: string; namespace: string; uid: string };
  /** The container's name and ports (named ports of httpGet handlers). */
  container: Pick<Container, 'name' | 'ports'>;
  containerId: string;
  /** The host of httpGet handlers that name none. */
  podIP: string;
}

export interface HookOutcome {
  ok: boolean;
  /** Why it failed, in Kubernetes' words (shown in the FailedPostStartHook / FailedPreStopHook event). */
  message: string;
}

export interface BoundedHookOutcome {
  /** Whole seconds the hook took (truncated, as Kubernetes counts them); the whole budget when abandoned. */
  elapsedSeconds: number;
  /** Undefined when the hook was abandoned at the end of its budget. */
  outcome?: HookOutcome;
}

/** "web_default(uid)", Kubernetes' format.Pod. */
export function formatPod(pod: HookTarget['pod']): string {
  return `${pod.name}_${pod.namespace}(${pod.uid})`;
}

export class HookRunner {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock = realClock,
  ) {}

  /** Runs the handler until it is done or `signal` aborts it. Never rejects. */
  async run(handler: LifecycleHandler, target: HookTarget, signal?: AbortSignal): Promise<HookOutcome> {
    const where = `for Container ${JSON.stringify(target.container.name)} in Pod ${JSON.stringify(formatPod(target.pod))}`;
    if (handler.exec) {
      const command = handler.exec.command;
      const what = `Exec lifecycle hook ([${command.join(' ')}]) ${where} failed - error:`;
      try {
        const { exitCode, output } = await execCommand(this.runtime, target.containerId, command, { signal });
        if (exitCode === 0) return { ok: true, message: '' };
        return { ok: false, message: `${what} command '${command.join(' ')}' exited with ${exitCode}: ${output}, message: ${JSON.stringify(output)}` };
      } catch (err) {
        return { ok: false, message: `${what} ${(err as Error).message}, message: ""` };
      }
    }
    if (handler.httpGet) {
      try {
        await httpGet(handler.httpGet, target.container, target.podIP, { signal, userAgent: 'kite-lifecycle/1.0' });
        return { ok: true, message: '' };
      } catch (err) {
        return { ok: false, message: `HTTP lifecycle hook (${handler.httpGet.path}) ${where} failed - error: ${(err as Error).message}` };
      }
    }
    if (handler.sleep) {
      const seconds = handler.sleep.seconds;
      if (await sleep(this.clock, seconds * 1000, signal)) return { ok: true, message: '' };
      return { ok: false, message: `Sleep lifecycle hook (${seconds}) ${where} failed - error: container terminated before sleep hook finished` };
    }
    const kind = handler.tcpSocket ? 'tcpSocket is not supported as a lifecycle handler' : 'no handler type';
    return { ok: false, message: `Cannot run handler: invalid handler: ${kind}` };
  }

  /**
   * Runs the handler for at most `budgetSeconds` (a preStop hook within the grace period): past
   * that it is abandoned (a command it started may go on in the container until it stops).
   */
  async runWithin(handler: LifecycleHandler, target: HookTarget, budgetSeconds: number): Promise<BoundedHookOutcome> {
    const start = this.clock.now();
    const abandon = new AbortController();
    const timer = this.clock.setTimer(() => abandon.abort(), budgetSeconds * 1000);
    try {
      const outcome = await this.run(handler, target, abandon.signal);
      if (abandon.signal.aborted) return { elapsedSeconds: budgetSeconds };
      return { elapsedSeconds: Math.min(budgetSeconds, Math.floor((this.clock.now() - start) / 1000)), outcome };
    } finally {
      timer.cancel();
    }
  }
}
