// Typed API errors as Kubernetes' apimachinery errors name them (reason = StatusReason), the gRPC
// status code of each, and how they cross the wire: the reason, a retry-after hint and field causes
// travel in trailers, so that the client rebuilds the very class the server threw.
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';

export interface FieldCause {
  field: string;
  message: string;
  /** The cause's type when its message does not tell it (server-side apply's "FieldManagerConflict"). */
  reason?: string;
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
  constructor(
    message: string,
    /** Server-side apply's conflicts: one FieldManagerConflict cause per field. */
    readonly causes: FieldCause[] = [],
  ) {
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

  /** `Pod "x" is invalid: spec.containers[0].image: Required value` (several: `[a: ..., b: ...]`) as Kubernetes words it. */
  static of(what: string, causes: FieldCause[]): InvalidError {
    const each = causes.map((c) => `${c.field}: ${c.message}`);
    // Kubernetes' ErrorList: one error as it is, several in brackets.
    const detail = each.length === 1 ? each[0] : `[${each.join(', ')}]`;
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
    /** Why, as Kubernetes' status causes (an eviction's DisruptionBudget cause); no field. */
    readonly causes: FieldCause[] = [],
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

/**
 * The server could not answer in time; the client should retry after retryAfterSeconds.
 * Kubernetes' 504 Timeout, whose gRPC code (as HTTP 504 maps) is UNAVAILABLE, the code clients retry.
 */
export class TimeoutError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(Status.UNAVAILABLE, message, 'Timeout');
  }

  /**
   * A read at a resourceVersion the store did not reach while the server waited for it: as
   * Kubernetes' NewTooLargeResourceVersionError (cause ResourceVersionTooLarge, retry after 1 s).
   */
  static tooLargeResourceVersion(requested: number, current: number): TimeoutError {
    return new TimeoutError(`Timeout: Too large resource version: ${requested}, current: ${current}`, 1);
  }
}

export class InternalError extends ApiError {
  constructor(message: string) {
    super(Status.INTERNAL, message, 'InternalError');
  }
}

/** The trailer naming every ApiError's reason, so that reasons sharing a code keep their class. */
export const REASON_TRAILER = 'kite-reason';
/**
 * The trailer carrying an InvalidError's field causes: UTF-8 JSON bytes in a binary (`-bin`)
 * trailer, since causes quote what the caller sent and text metadata may hold printable ASCII only
 * (grpc-js throws on anything else).
 */
export const CAUSES_TRAILER = 'kite-field-causes-bin';
const RETRY_AFTER_TRAILER = 'retry-after';

/** What a text trailer may hold (grpc-js refuses anything else). */
const ASCII_TEXT = /^[ -~]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as UTF-8 can carry it: a lone UTF-16 surrogate (from a JSON "\ud800" escape) becomes
 * U+FFFD. grpc-js percent-encodes the status message with encodeURI, which throws on one.
 */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

function describe(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/**
 * Converts any thrown value into the gRPC error the server sends. Never throws, and whatever the
 * message and causes quote, grpc-js accepts the result: a status message free of lone surrogates,
 * ASCII text trailers, causes in a binary trailer. A value that is not an ApiError is a bug: it
 * becomes INTERNAL, worded as Kubernetes' InternalError.
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const e = err instanceof ApiError ? err : new InternalError(`Internal error occurred: ${describe(err)}`);
  const metadata = new Metadata();
  if (ASCII_TEXT.test(e.reason)) metadata.set(REASON_TRAILER, e.reason);
  if ((e instanceof TooManyRequestsError || e instanceof TimeoutError) && Number.isFinite(e.retryAfterSeconds)) {
    metadata.set(RETRY_AFTER_TRAILER, String(e.retryAfterSeconds));
  }
  if ((e instanceof InvalidError || e instanceof ConflictError || e instanceof TooManyRequestsError) && e.causes.length > 0) {
    const causes = e.causes.map((c) => ({ field: wellFormed(String(c.field)), message: wellFormed(String(c.message)), ...(c.reason ? { reason: c.reason } : {}) }));
    metadata.set(CAUSES_TRAILER, Buffer.from(JSON.stringify(causes), 'utf8'));
  }
  return { code: e.code, details: wellFormed(String(e.message)), metadata };
}

type Rebuild = (message: string, trailers: Metadata | undefined) => ApiError;

/** The one table of reasons: the class each is rebuilt as on the client, by the reason it was sent with. */
const byReason: Record<string, Rebuild> = {
  NotFound: (m) => new NotFoundError(m),
  AlreadyExists: (m) => new AlreadyExistsError(m),
  Conflict: (m, t) => new ConflictError(m, parseCauses(t?.get(CAUSES_TRAILER)[0])),
  Expired: (m) => new ExpiredError(m),
  Invalid: (m, t) => new InvalidError(m, parseCauses(t?.get(CAUSES_TRAILER)[0])),
  BadRequest: (m) => new BadRequestError(m),
  Unauthorized: (m) => new UnauthenticatedError(m),
  Forbidden: (m) => new ForbiddenError(m),
  TooManyRequests: (m, t) => new TooManyRequestsError(m, retryAfter(t), parseCauses(t?.get(CAUSES_TRAILER)[0])),
  RequestEntityTooLarge: (m) => new RequestTooLargeError(m),
  ServiceUnavailable: (m) => new UnavailableError(m),
  Timeout: (m, t) => new TimeoutError(m, retryAfter(t)),
  InternalError: (m) => new InternalError(m),
};

/** Without a reason that goes with the code, the code decides. */
const byCode: Partial<Record<Status, Rebuild>> = {
  [Status.NOT_FOUND]: byReason.NotFound,
  [Status.ALREADY_EXISTS]: byReason.AlreadyExists,
  [Status.ABORTED]: byReason.Conflict,
  [Status.OUT_OF_RANGE]: byReason.Expired,
  [Status.INVALID_ARGUMENT]: byReason.Invalid,
  [Status.UNAUTHENTICATED]: byReason.Unauthorized,
  [Status.PERMISSION_DENIED]: byReason.Forbidden,
  [Status.RESOURCE_EXHAUSTED]: byReason.TooManyRequests,
  [Status.UNAVAILABLE]: byReason.ServiceUnavailable,
};

/** Converts a gRPC client error back into the typed error, keeping the server's message and reason. */
export function fromServiceError(err: ServiceError): ApiError {
  const message = err.details || err.message;
  const trailers = err.metadata;
  const reason = trailers?.get(REASON_TRAILER)[0];
  const rebuilt = typeof reason === 'string' ? byReason[reason]?.(message, trailers) : undefined;
  if (rebuilt?.code === err.code) return rebuilt;
  // No reason this code goes with (a server other than Kite's, grpc-js itself, or a reason that
  // travels with another code, as the kubelet's FAILED_PRECONDITION BadRequest does).
  return byCode[err.code]?.(message, trailers) ?? new ApiError(err.code, message, typeof reason === 'string' ? reason : (Status[err.code] ?? 'Unknown'));
}

function retryAfter(trailers: Metadata | undefined): number {
  const after = Number(trailers?.get(RETRY_AFTER_TRAILER)[0] ?? 0);
  return Number.isFinite(after) ? after : 0;
}

function parseCauses(raw: unknown): FieldCause[] {
  if (!Buffer.isBuffer(raw)) return [];
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    return Array.isArray(v) ? v.filter((c): c is FieldCause => typeof c?.field === 'string' && typeof c?.message === 'string') : [];
  } catch {
    return [];
  }
}

export function isBadRequest(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'BadRequest';
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
