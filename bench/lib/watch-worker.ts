// A watch-bench client process: opens its share of the watchers over a few connections of its
// own and histograms each event's delivery latency (receive time minus the send time the writer
// put in the object's annotation). Driven by bench/watch.ts over IPC; stopped by a signal.
import { Clientset } from '../../lib/client/clientset';
import { NO_RETRY } from '../../lib/client/retry';

export const SENT_AT = 'bench.kite.io/sent-at';
/** Histogram resolution and range: 0.1 ms buckets up to 30 s, the last one open-ended. */
export const BUCKET_MS = 0.1;
export const BUCKETS = 300_000;

export interface WorkerStart {
  cmd: 'start';
  address: string;
  connections: number;
  /** One entry per watcher: its selectors. */
  watchers: { labelSelector?: string; fieldSelector?: string }[];
  resourceVersion: string;
}

export interface WorkerReport {
  histogram: Uint32Array;
  events: number;
  errors: string[];
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function run(): void {
  const histogram = new Uint32Array(BUCKETS);
  const errors: string[] = [];
  let events = 0;
  const clientsets: Clientset[] = [];

  process.on('message', (msg: WorkerStart | { cmd: 'report' }) => {
    if (msg.cmd === 'start') {
      for (let c = 0; c < msg.connections; c++) {
        // A distinct user agent gives each Clientset its own HTTP/2 connection.
        clientsets.push(new Clientset({ address: msg.address, tls: false, namespace: 'default', source: 'bench' }, { retry: NO_RETRY, userAgent: `bench-watch-${process.pid}-${c}` }));
      }
      msg.watchers.forEach((sel, i) => {
        const client = clientsets[i % clientsets.length];
        void (async () => {
          try {
            for await (const ev of client.pods.watch({ namespace: 'default', ...sel, resourceVersion: msg.resourceVersion })) {
              const sent = Number(ev.object?.metadata?.annotations?.[SENT_AT]);
              if (!sent) continue;
              events++;
              histogram[Math.min(BUCKETS - 1, Math.max(0, Math.floor((nowMs() - sent) / BUCKET_MS)))]++;
            }
          } catch (err) {
            errors.push((err as Error).message);
          }
        })();
      });
    } else {
      const report: WorkerReport = { histogram, events, errors };
      process.send!(report);
    }
  });
  process.send!({ ready: true });
}

if (require.main === module) run();
