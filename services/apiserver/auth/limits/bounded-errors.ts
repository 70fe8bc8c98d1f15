// Error replies stay small whatever the request was: a validation message quoting a megabyte
// label value, or thousands of field causes, would otherwise be sent back whole (and gRPC
// metadata has size limits of its own). Messages and causes are cut with a visible marker.
import { ApiError, InvalidError, RequestTooLargeError, TooManyRequestsError } from '../../../../lib/api/errors';

export const MAX_MESSAGE_CHARS = 2048;
export const MAX_CAUSES = 20;
const MAX_CAUSE_CHARS = 256;

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length - max} more characters)`;
}

export function boundError(err: unknown): unknown {
  if (!(err instanceof ApiError)) return err;
  const causes = err instanceof InvalidError ? err.causes : [];
  if (err.message.length <= MAX_MESSAGE_CHARS && causes.length <= MAX_CAUSES && causes.every((c) => c.field.length + c.message.length <= MAX_CAUSE_CHARS)) {
    return err;
  }
  const message = cut(err.message, MAX_MESSAGE_CHARS);
  if (err instanceof InvalidError) {
    const kept = causes.slice(0, MAX_CAUSES).map((c) => ({ field: cut(c.field, MAX_CAUSE_CHARS / 2), message: cut(c.message, MAX_CAUSE_CHARS) }));
    return new InvalidError(causes.length > MAX_CAUSES ? `${message} (${causes.length} errors, the first ${MAX_CAUSES} listed)` : message, kept);
  }
  if (err instanceof TooManyRequestsError) return new TooManyRequestsError(message, err.retryAfterSeconds);
  if (err instanceof RequestTooLargeError) return new RequestTooLargeError(message);
  return new ApiError(err.code, message, err.reason);
}
