// Kubernetes' slowStartBatch: run `count` calls in batches of 1, 2, 4 ... so that a call that
// fails every time (quota, bad template) fails once, not `count` times at once.

export async function slowStartBatch(count: number, initialBatch: number, fn: () => Promise<void>): Promise<{ successes: number; error?: Error }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatch); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    let error: Error | undefined;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else error ??= r.reason as Error;
    }
    if (error) return { successes, error };
    remaining -= batch;
  }
  return { successes };
}
