// The apiserver's own /metrics (prom-client: process_cpu_seconds_total over all its threads,
// nodejs_eventloop_lag_*, apiserver_registered_watchers ...) as name -> value, for the benchmarks
// that measure what the apiserver spends apart from what their clients spend.

/** Every unlabelled sample of the apiserver's /metrics. */
export async function scrapeMetrics(port: number): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  if (!res.ok) throw new Error(`apiserver /metrics: ${res.status} ${text}`);
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*) ([0-9.e+-]+)$/);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}
