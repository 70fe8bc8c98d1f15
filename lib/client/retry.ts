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

export async function withRetry<T>(policy: RetryPolicy, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt + 1 >= policy.maxAttempts || !isRetryable(err) || signal?.aborted) throw err;
      const after = err instanceof TooManyRequestsError ? err.retryAfterSeconds : undefined;
      await new Promise((r) => setTimeout(r, backoffMs(policy, attempt, after)));
    }
  }
}
