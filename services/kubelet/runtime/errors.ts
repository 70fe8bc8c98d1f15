// Runtime failures, each with the reason the kubelet shows in a container's waiting state
// (ErrImagePull, CreateContainerError, RunContainerError) and the engine's own message.

export class RuntimeError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The image could not be pulled; message is the engine's (e.g. "no such host" with no registry). */
export class ImagePullError extends RuntimeError {
  constructor(
    readonly image: string,
    engineMessage: string,
  ) {
    super('ErrImagePull', `failed to pull image "${image}": ${engineMessage}`);
  }
}

export class ContainerNotFoundError extends RuntimeError {
  constructor(readonly containerId: string) {
    super('NotFound', `container ${containerId} not found`);
  }
}

/** What docker-modem errors carry: the HTTP status and the engine's JSON message. */
interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

export function engineStatus(err: unknown): number | undefined {
  return (err as EngineError | null)?.statusCode;
}

/** The engine's own words ("No such image: x"), not docker-modem's "(HTTP code 404) ..." wrapper. */
export function engineMessage(err: unknown): string {
  const e = err as EngineError | null;
  const fromJson = e?.json?.message;
  if (typeof fromJson === 'string' && fromJson !== '') return fromJson.trim();
  return (e?.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}
