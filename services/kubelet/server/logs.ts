// ContainerLogs: streams a container's log lines from the runtime, honouring gRPC backpressure
// (a slow reader pauses the read from Docker) and stopping the runtime read when the caller
// cancels. Each line is sent ready to print: timestamp prefix when asked, newline-terminated.
import { once } from 'node:events';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { toServiceError } from '../../../lib/api/errors';
import type { ContainerLogsRequest, LogChunk } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import type { ContainerRuntime, LogOptions } from '../runtime/types';
import { findTarget, logsContainer, type TargetContext } from './target';

function since(req: ContainerLogsRequest): Date | undefined {
  if (req.sinceSeconds !== undefined && req.sinceSeconds > 0) return new Date(Date.now() - req.sinceSeconds * 1000);
  if (req.sinceTime) {
    const t = Date.parse(req.sinceTime);
    if (!Number.isNaN(t)) return new Date(t);
  }
  return undefined;
}

export async function serveContainerLogs(
  call: ServerWritableStream<ContainerLogsRequest, LogChunk>,
  runtime: ContainerRuntime,
  ctx: TargetContext,
): Promise<void> {
  const req = call.request;
  const abort = new AbortController();
  const cancel = () => abort.abort();
  call.on('cancelled', cancel);
  try {
    const target = await findTarget(req, ctx);
    const container = logsContainer(target, req.previous);
    const options: LogOptions = {
      follow: req.follow && !req.previous,
      tail: req.tailLines !== undefined && req.tailLines >= 0 ? req.tailLines : undefined,
      timestamps: req.timestamps,
      since: since(req),
      signal: abort.signal,
    };
    let budget = req.limitBytes !== undefined && req.limitBytes > 0 ? req.limitBytes : Infinity;
    for await (const line of runtime.logs(container.id, options)) {
      if (abort.signal.aborted) break;
      let content = Buffer.from(`${line.timestamp ? `${line.timestamp} ` : ''}${line.line}\n`);
      if (content.length > budget) content = content.subarray(0, budget);
      budget -= content.length;
      if (!call.write({ content, stream: line.stream })) {
        await Promise.race([once(call, 'drain'), once(abort.signal, 'abort')]);
      }
      if (budget <= 0) break;
    }
    if (!abort.signal.aborted) call.end();
  } catch (err) {
    if (!abort.signal.aborted) call.emit('error', toServiceError(err));
  } finally {
    call.off('cancelled', cancel);
    abort.abort();
  }
}
