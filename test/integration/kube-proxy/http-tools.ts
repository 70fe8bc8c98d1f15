// Tiny HTTP servers and clients run inside network namespaces with the test's own node
// binary: each server answers with its name and the client address it saw, so tests can
// tell which backend served a request and whether the source was NATed.
import { once } from 'node:events';
import type { NetnsSandbox } from '../../support/netns';

const serverScript = `
const [name, ip, port] = process.argv.slice(1);
require('http')
  .createServer((req, res) => res.end(JSON.stringify({ name, remote: req.socket.remoteAddress })))
  .listen(Number(port), ip, () => console.log('listening'));
`;

const clientScript = `
const [url, count, timeoutMs] = process.argv.slice(1);
const http = require('http');
const one = () => new Promise((resolve) => {
  const start = Date.now();
  const req = http.get(url, { agent: false, timeout: Number(timeoutMs) }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ ...JSON.parse(body), ms: Date.now() - start }));
  });
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  req.on('error', (err) => resolve({ error: err.code || err.message, ms: Date.now() - start }));
});
(async () => {
  const out = [];
  for (let i = 0; i < Number(count); i++) out.push(await one());
  console.log(JSON.stringify(out));
})();
`;

export interface HttpResult {
  name?: string;
  remote?: string;
  error?: string;
  ms: number;
}

/** Starts a server bound to ip:port in ns and waits until it listens. */
export async function startHttpServer(sandbox: NetnsSandbox, ns: string, name: string, ip: string, port: number): Promise<void> {
  const child = sandbox.spawn(ns, [process.execPath, '-e', serverScript, name, ip, String(port)]);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const listening = new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  const exited = once(child, 'exit').then(() => {
    throw new Error(`http server ${name} exited: ${stderr}`);
  });
  await Promise.race([listening, exited]);
}

/** Makes `count` sequential requests from ns, each on a new connection. */
export async function httpGet(sandbox: NetnsSandbox, ns: string, url: string, count = 1, timeoutMs = 2000): Promise<HttpResult[]> {
  const out = await sandbox.exec(ns, [process.execPath, '-e', clientScript, url, String(count), String(timeoutMs)]);
  return JSON.parse(out) as HttpResult[];
}

/** How many responses each backend served. */
export function countByName(results: HttpResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.name ?? `error:${r.error}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
