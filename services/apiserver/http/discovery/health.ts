// GET /healthz, /livez, /readyz (and /<endpoint>/<check>): the apiserver's health endpoints as
// k8s.io/apiserver/pkg/server/healthz writes them: "ok", or with ?verbose one "[+]<check> ok" line
// per check and "<endpoint> check passed"; a failing check answers 500 with "[-]<check> failed:
// reason withheld". ?exclude=<check> skips a check. Readable without authentication
// (system:public-info-viewer). The store's checks are Kubernetes' `etcd` (every endpoint) and
// `etcd-readiness` (/readyz only): a read answered within 2 s, each at most once per half its
// timeout as kube-apiserver rate-limits them (newETCD3Check): the load balancer's and the
// kubelet's probes of every apiserver ask several times a second, and calls in between share the
// latest read's answer instead of each sending a linearizable read to etcd.
import type { Storage } from '../../storage/interface';
import type { DocumentResponse } from './response';

export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects (the reason is withheld from the response) otherwise. */
  check(): Promise<void>;
  /** The endpoints that run it (default: all three). */
  endpoints?: readonly HealthEndpoint[];
}

export const HEALTH_ENDPOINTS = ['healthz', 'livez', 'readyz'] as const;
export type HealthEndpoint = (typeof HEALTH_ENDPOINTS)[number];

/** kube-apiserver's --etcd-healthcheck-timeout and --etcd-readycheck-timeout defaults. */
const STORE_CHECK_TIMEOUT_MS = 2000;

/** The checks of the apiserver's store: `etcd` everywhere, `etcd-readiness` on /readyz; `now` is the clock of their rate limit. */
export function storageHealthChecks(storage: Pick<Storage, 'check'>, timeoutMs = STORE_CHECK_TIMEOUT_MS, now: () => number = Date.now): HealthCheck[] {
  const check = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from the store within ${timeoutMs} ms`)), timeoutMs);
      storage.check().then(resolve, reject).finally(() => clearTimeout(timer));
    });
  return [
    { name: 'etcd', check: rateLimited(check, timeoutMs / 2, now) },
    { name: 'etcd-readiness', check: rateLimited(check, timeoutMs / 2, now), endpoints: ['readyz'] },
  ];
}

/** `check` run at most once per `intervalMs`; calls in between get the latest run's answer (awaiting it while in flight). */
function rateLimited(check: () => Promise<void>, intervalMs: number, now: () => number): () => Promise<void> {
  let last: Promise<void> | undefined;
  let startedAt = 0;
  return () => {
    const t = now();
    if (!last || t - startedAt >= intervalMs) {
      startedAt = t;
      last = check();
      last.catch(() => undefined);
    }
    return last;
  };
}

/** ping is always there, as Kubernetes' PingHealthz. */
const ping: HealthCheck = { name: 'ping', check: async () => undefined };

function text(status: number, body: string): DocumentResponse {
  return { status, contentType: 'text/plain; charset=utf-8', body, headers: { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' } };
}

/** The answer for `path` if it is a health endpoint, else undefined. */
export async function healthDocument(path: string, query: URLSearchParams, checks: readonly HealthCheck[]): Promise<DocumentResponse | undefined> {
  const [endpoint, name, ...rest] = path.replace(/^\/+|\/+$/g, '').split('/');
  if (!(HEALTH_ENDPOINTS as readonly string[]).includes(endpoint) || rest.length) return undefined;
  const all = [ping, ...checks.filter((c) => !c.endpoints || c.endpoints.includes(endpoint as HealthEndpoint))];
  if (name !== undefined) {
    const one = all.find((c) => c.name === name);
    if (!one) return undefined;
    try {
      await one.check();
      return text(200, 'ok');
    } catch {
      return text(500, `internal server error: ${name} failed\n`);
    }
  }
  const excluded = new Set(query.getAll('exclude'));
  const results = await Promise.all(
    all.map(async (c) => {
      if (excluded.has(c.name)) return `[+]${c.name} excluded: ok`;
      try {
        await c.check();
        return `[+]${c.name} ok`;
      } catch {
        return `[-]${c.name} failed: reason withheld`;
      }
    }),
  );
  const failed = results.some((r) => r.startsWith('[-]'));
  if (failed) return text(500, `${results.join('\n')}\n${endpoint} check failed\n`);
  if (query.has('verbose')) return text(200, `${results.join('\n')}\n${endpoint} check passed\n`);
  return text(200, 'ok');
}
