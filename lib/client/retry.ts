// Retries for an explicit allowlist of failures, with exponential backoff and full jitter.
import { status as Status } from '@grpc/grpc-js';
import { ApiError, TooManyRequestsError } from '../api/errors';

export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 5000 };
export const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialBackoffMs: 0, maxBackoffMs: 0 };

/**
 * UNAVAILABLE (server unreachable or restarting) and overload rejections (RESOURCE_EXHAUSTED
 * carrying a retry-after hint) are retried; everything else is the caller's to handle.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.code === Status.UNAVAILABLE) return true;
  return err instanceof TooManyRequestsError && err.reason === 'TooManyRequests' && err.retryAfterSeconds > 0;
}

export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterSeconds?: number): number {
  const cap = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** attempt);
  const jittered = Math.random() * cap;
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000 * Math.random());
}

/**
 * fn(), again after a backoff while it fails retryably, up to the policy's attempts. The first
 * attempt's promise is returned as it is when no retry is allowed, and otherwise gets one rejection
 * handler: no async frame nor closure per call on the way that does not fail.
 */
export function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>, signal?: AbortSignal, attempt = 0): Promise<T> {
  const first = fn();
  if (attempt + 1 >= policy.maxAttempts) return first;
  return first.catch((err: unknown) => {
    if (!isRetryable(err) || signal?.aborted) throw err;
    const after = err instanceof TooManyRequestsError ? err.retryAfterSeconds : undefined;
    return new Promise<void>((r) => setTimeout(r, backoffMs(policy, attempt, after))).then(() => withRetry(policy, fn, signal, attempt + 1));
  });
}
