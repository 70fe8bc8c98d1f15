// Rate-limited work queues of keys and the worker loop controllers run over them (client-go style).
export { defaultControllerRateLimiter, MaxOfRateLimiter, type RateLimiter } from './rate-limiter';
export { ItemExponentialRateLimiter, type ExponentialOptions } from './exponential-rate-limiter';
export { BucketRateLimiter, type BucketOptions } from './bucket-rate-limiter';
export { Queue } from './queue';
export { DelayingQueue, type DelayingQueueOptions } from './delaying-queue';
export { RateLimitingQueue, type RateLimitingQueueOptions } from './rate-limiting-queue';
export { runWorkers, type Reconcile, type ReconcileResult, type RunWorkersOptions } from './run-workers';
