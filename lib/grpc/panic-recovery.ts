// kube-apiserver's panic recovery (WithPanicRecovery) for gRPC: whatever a handler throws or
// rejects with, whatever a stream's listener or timer throws, and whatever grpc-js throws while
// taking an answer ends that one call, never the process. An error that is not an ApiError is a
// bug: it is logged and answered INTERNAL (Kubernetes' InternalError). Every answer, stream write,
// end and failure of the apiserver's and the kubelet's services goes through here.
import { status as Status, type ServerDuplexStream, type ServerWritableStream, type ServiceError, type sendUnaryData } from '@grpc/grpc-js';
import { ApiError, toServiceError } from '../api/errors';
import { logger } from '../log';

const log = logger('grpc');

export type ServerStream = ServerWritableStream<any, any> | ServerDuplexStream<any, any>;

function errorFields(err: unknown): Record<string, unknown> {
  try {
    return err instanceof Error ? { type: err.name, message: err.message, stack: err.stack } : { value: String(err) };
  } catch {
    return { value: Object.prototype.toString.call(err) };
  }
}

/** Runs `work`, turning a synchronous throw into a rejection. */
function settle<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}

/** The status a call ends with; an error that is not an ApiError is logged. Never throws. */
export function statusFor(method: string, err: unknown): Partial<ServiceError> & { code: Status } {
  if (!(err instanceof ApiError)) log.error({ method, err: errorFields(err) }, 'unexpected error serving a call; answering INTERNAL');
  const status = toServiceError(err);
  return { ...status, code: status.code ?? Status.INTERNAL };
}

/** Hands an answer to grpc-js; if it throws, the call ends INTERNAL instead. Returns the code sent. */
function deliver(method: string, callback: sendUnaryData<any>, send: () => void, code: number): number {
  try {
    send();
    return code;
  } catch (err) {
    log.error({ method, err: errorFields(err) }, 'grpc-js refused the answer; answering INTERNAL');
    try {
      callback({ code: Status.INTERNAL, details: 'Internal error occurred: the answer could not be sent' });
    } catch {
      // grpc-js had already closed the call: nothing more can be sent on it.
    }
    return Status.INTERNAL;
  }
}

/**
 * Answers a unary call with what `work` resolves to, or with the status of what it throws or
 * rejects with; `done` then learns the code sent (for metrics). Nothing escapes to the event loop.
 */
export function answerUnary<T>(method: string, callback: sendUnaryData<T>, work: () => Promise<T>, done: (code: number) => void = () => {}): void {
  settle(work)
    .then(
      (value) => deliver(method, callback, () => callback(null, value), Status.OK),
      (err: unknown) => {
        const status = statusFor(method, err);
        return deliver(method, callback, () => callback(status), status.code);
      },
    )
    .then(done)
    .catch((err: unknown) => log.error({ method, err: errorFields(err) }, 'error after answering a call'));
}

/** Ends a server stream with the status of `err` (grpc-js takes it as an 'error' event). Returns the code. */
export function failStream(method: string, call: ServerStream, err: unknown): number {
  const status = statusFor(method, err);
  try {
    call.emit('error', status);
  } catch (e) {
    log.error({ method, err: errorFields(e) }, 'grpc-js refused to end a stream with an error');
  }
  return status.code;
}

/** Ends a server stream with OK unless the client cancelled it. */
export function endStream(method: string, call: ServerStream): void {
  try {
    if (!call.cancelled) call.end();
  } catch (err) {
    log.error({ method, err: errorFields(err) }, 'grpc-js refused to end a stream');
  }
}

/**
 * Wraps a stream's listener or timer callback: what it throws goes to `onError` (which fails the
 * stream) instead of to whatever emitted the event, where it would end the process.
 */
export function guard<A extends unknown[]>(fn: (...args: A) => void, onError: (err: unknown) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      onError(err);
    }
  };
}

/**
 * Starts a streaming call: `work` admits and sets it up; what it throws or rejects with fails the
 * call, and `failed` learns the code (for metrics).
 */
export function startStream(method: string, call: ServerStream, work: () => Promise<void> | void, failed: (code: number) => void = () => {}): void {
  settle(work)
    .catch((err: unknown) => failed(failStream(method, call, err)))
    .catch((err: unknown) => log.error({ method, err: errorFields(err) }, 'error after failing a stream'));
}
