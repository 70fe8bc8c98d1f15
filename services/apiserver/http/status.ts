// metav1.Status, the body of every HTTP error (k8s.io/apimachinery/pkg/api/errors): the gRPC
// status the gate answered with, rebuilt as the typed ApiError (lib/api/errors.ts: the
// kite-reason, retry-after and kite-field-causes-bin trailers), becomes Kubernetes' HTTP code,
// reason, message and details, the message word for word as on gRPC. Also Kubernetes' Warning
// header (`299 - "text"`).
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ApiError, ConflictError, InvalidError, TimeoutError, TooManyRequestsError, type FieldCause } from '../../../lib/api/errors';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** The HTTP code of each StatusReason (apimachinery's errors.go). */
const CODE_OF_REASON: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** A gRPC code with no Kubernetes reason (a status not from Kite's gate) as HTTP maps it. */
const CODE_OF_GRPC: Partial<Record<number, number>> = {
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.FAILED_PRECONDITION]: 400,
  [GrpcStatus.ABORTED]: 409,
  [GrpcStatus.OUT_OF_RANGE]: 410,
  [GrpcStatus.UNIMPLEMENTED]: 501,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.UNAUTHENTICATED]: 401,
};

/** field.ErrorType as a cause's reason, from the words Kite's validation starts a message with. */
const CAUSE_TYPES: Array<[string, string]> = [
  ['Required value', 'FieldValueRequired'],
  ['Invalid value', 'FieldValueInvalid'],
  ['Unsupported value', 'FieldValueNotSupported'],
  ['Duplicate value', 'FieldValueDuplicate'],
  ['Not found', 'FieldValueNotFound'],
  ['Forbidden', 'FieldValueForbidden'],
  ['Too long', 'FieldValueTooLong'],
  ['Too many', 'FieldValueTooMany'],
  ['Internal error', 'InternalError'],
];

export function causeOf(c: FieldCause): StatusCause {
  const type = c.reason ?? CAUSE_TYPES.find(([prefix]) => c.message.startsWith(prefix))?.[1];
  return { ...(type ? { reason: type } : {}), message: c.message, field: c.field };
}

/** What the request was about: details name them as Kubernetes' errors do. */
export interface Subject {
  group: string;
  /** The resource ("pods"): NotFound, AlreadyExists, Conflict and Forbidden name it as their kind. */
  resource: string;
  /** The kind ("Pod"): Invalid names it. */
  kind: string;
  name: string;
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details && Object.keys(details).length ? { details } : {}),
    code,
  };
}

function detailsFor(err: ApiError, subject: Subject | undefined): StatusDetails | undefined {
  const named = (kind: string): StatusDetails => {
    if (!subject) return {};
    return { ...(subject.name ? { name: subject.name } : {}), ...(subject.group ? { group: subject.group } : {}), kind };
  };
  // An apply's conflicts carry only their causes (NewApplyConflict).
  if (err instanceof ConflictError && err.causes.length) return { causes: err.causes.map(causeOf) };
  switch (err.reason) {
    case 'NotFound':
    case 'AlreadyExists':
    case 'Conflict':
    case 'Forbidden':
      return named(subject?.resource ?? '');
    case 'Invalid': {
      const causes = err instanceof InvalidError ? err.causes.map(causeOf) : [];
      return { ...named(subject?.kind ?? ''), ...(causes.length ? { causes } : {}) };
    }
    case 'TooManyRequests':
    case 'Timeout': {
      const after = err instanceof TooManyRequestsError || err instanceof TimeoutError ? err.retryAfterSeconds : 0;
      // An eviction's refusal says which budget, as a cause with a reason and no field.
      const causes = err instanceof TooManyRequestsError ? err.causes.map((c) => ({ ...(c.reason ? { reason: c.reason } : {}), message: c.message })) : [];
      const details: StatusDetails = { ...(causes.length ? { causes } : {}), ...(after > 0 ? { retryAfterSeconds: after } : {}) };
      return Object.keys(details).length ? details : undefined;
    }
    default:
      return undefined;
  }
}

/** The Status of any error a request ended with (a value that is not an ApiError is an internal error). */
export function statusOf(err: unknown, subject?: Subject): Status {
  if (!(err instanceof ApiError)) {
    return failure(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  }
  const code = CODE_OF_REASON[err.reason] ?? CODE_OF_GRPC[err.code] ?? 500;
  // A status from outside Kite's table (grpc-js' own, e.g. DEADLINE_EXCEEDED) gets the reason of its HTTP code.
  const reason = CODE_OF_REASON[err.reason] ? err.reason : (Object.entries(CODE_OF_REASON).find(([, c]) => c === code)?.[0] ?? 'InternalError');
  return failure(code, reason, err.message, detailsFor(err, subject));
}

/** One Warning header value as Kubernetes writes it: `299 - "text"`, quotes and backslashes escaped. */
export function warningHeaderValue(text: string): string {
  return `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
