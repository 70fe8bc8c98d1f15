// Typed API errors and the one table that maps them to gRPC status codes (and back, for clients).
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';

export interface FieldCause {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: Status,
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(Status.NOT_FOUND, message, 'NotFound');
  }
}

export class AlreadyExistsError extends ApiError {
  constructor(message: string) {
    super(Status.ALREADY_EXISTS, message, 'AlreadyExists');
  }
}

/** A resourceVersion precondition failed (Kubernetes' 409 Conflict). */
export class ConflictError extends ApiError {
  constructor(message: string) {
    super(Status.ABORTED, message, 'Conflict');
  }
}

/** The requested resourceVersion has been compacted away (Kubernetes' 410 Gone). */
export class ExpiredError extends ApiError {
  constructor(message: string) {
    super(Status.OUT_OF_RANGE, message, 'Expired');
  }
}

export class InvalidError extends ApiError {
  constructor(
    message: string,
    readonly causes: FieldCause[] = [],
  ) {
    super(Status.INVALID_ARGUMENT, message, 'Invalid');
  }

  /** `Pod "x" is invalid: spec.containers[0].image: Required value` as Kubernetes words it. */
  static of(what: string, causes: FieldCause[]): InvalidError {
    const detail = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    return new InvalidError(`${what} is invalid: ${detail}`, causes);
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string) {
    super(Status.INVALID_ARGUMENT, message, 'BadRequest');
  }
}

export class UnauthenticatedError extends ApiError {
  constructor(message: string) {
    super(Status.UNAUTHENTICATED, message, 'Unauthorized');
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super(Status.PERMISSION_DENIED, message, 'Forbidden');
  }
}

export class TooManyRequestsError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(Status.RESOURCE_EXHAUSTED, message, 'TooManyRequests');
  }
}

export class RequestTooLargeError extends ApiError {
  constructor(message: string) {
    super(Status.RESOURCE_EXHAUSTED, message, 'RequestEntityTooLarge');
  }
}

export class UnavailableError extends ApiError {
  constructor(message: string) {
    super(Status.UNAVAILABLE, message, 'ServiceUnavailable');
  }
}

export class InternalError extends ApiError {
  constructor(message: string) {
    super(Status.INTERNAL, message, 'InternalError');
  }
}

/** Converts any thrown value into the gRPC error the server sends. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (err instanceof ApiError) {
    metadata.set('kite-reason', err.reason);
    if (err instanceof TooManyRequestsError) metadata.set('retry-after', String(err.retryAfterSeconds));
    // One JSON value: grpc-js joins repeated text headers with ", ", which would merge causes.
    if (err instanceof InvalidError && err.causes.length > 0) metadata.set('kite-field-causes', JSON.stringify(err.causes));
    return { code: err.code, details: err.message, metadata };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: Status.INTERNAL, details: `internal error: ${message}`, metadata };
}

const byCode: Partial<Record<Status, new (message: string) => ApiError>> = {
  [Status.NOT_FOUND]: NotFoundError,
  [Status.ALREADY_EXISTS]: AlreadyExistsError,
  [Status.ABORTED]: ConflictError,
  [Status.OUT_OF_RANGE]: ExpiredError,
  [Status.INVALID_ARGUMENT]: InvalidError,
  [Status.UNAUTHENTICATED]: UnauthenticatedError,
  [Status.PERMISSION_DENIED]: ForbiddenError,
  [Status.RESOURCE_EXHAUSTED]: TooManyRequestsError,
  [Status.UNAVAILABLE]: UnavailableError,
};

/** Converts a gRPC client error back into the typed error, keeping the server's message. */
export function fromServiceError(err: ServiceError): ApiError {
  const Ctor = byCode[err.code];
  const message = err.details || err.message;
  if (Ctor === InvalidError) {
    return new InvalidError(message, parseCauses(err.metadata?.get('kite-field-causes')[0]));
  }
  if (Ctor === TooManyRequestsError) {
    if (err.metadata?.get('kite-reason')[0] === 'RequestEntityTooLarge') return new RequestTooLargeError(message);
    const after = Number(err.metadata?.get('retry-after')[0] ?? 0);
    return new TooManyRequestsError(message, Number.isFinite(after) ? after : 0);
  }
  if (Ctor) return new Ctor(message);
  return new ApiError(err.code, message, Status[err.code] ?? 'Unknown');
}

function parseCauses(raw: unknown): FieldCause[] {
  if (typeof raw !== 'string') return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.filter((c): c is FieldCause => typeof c?.field === 'string' && typeof c?.message === 'string') : [];
  } catch {
    return [];
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === Status.NOT_FOUND;
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === Status.ALREADY_EXISTS;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === Status.ABORTED;
}
export function isExpired(err: unknown): boolean {
  return err instanceof ApiError && err.code === Status.OUT_OF_RANGE;
}
