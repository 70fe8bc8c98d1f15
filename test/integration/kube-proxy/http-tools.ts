// Tiny HTTP and UDP servers and clients run inside network namespaces with the test's own node
// binary: each server answers with its name (HTTP also with the client address it saw), so tests
// can tell which backend served a request and whether the source was NATed.
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

/** A UDP server answering each datagram with its name. */
const udpServerScript = `
const [name, ip, port] = process.argv.slice(1);
const s = require('dgram').createSocket('udp4');
s.on('message', (_m, from) => s.send(name, from.port, from.address));
s.bind(Number(port), ip, () => console.log('listening'));
`;

/** `count` datagrams, each from a new socket (a new flow, or the same one with a fixed source port); prints who answered each, or "timeout". */
const udpClientScript = `
const [ip, port, count, sourcePort] = process.argv.slice(1);
const dgram = require('dgram');
const one = () => new Promise((resolve) => {
  const s = dgram.createSocket('udp4');
  const timer = setTimeout(() => { s.close(); resolve('timeout'); }, 1000);
  s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m.toString()); });
  const send = () => s.send('ping', Number(port), ip);
  if (sourcePort) s.bind(Number(sourcePort), send); else send();
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

/** Starts an HTTP server bound to ip:port in ns and waits until it listens. */
export async function startHttpServer(sandbox: NetnsSandbox, ns: string, name: string, ip: string, port: number): Promise<void> {
  await startServer(sandbox, ns, serverScript, `http server ${name}`, [name, ip, String(port)]);
}

/** Starts a UDP server bound to ip:port in ns, answering each datagram with `name`, and waits until it listens. */
export async function startUdpServer(sandbox: NetnsSandbox, ns: string, name: string, ip: string, port: number): Promise<void> {
  await startServer(sandbox, ns, udpServerScript, `udp server ${name}`, [name, ip, String(port)]);
}

async function startServer(sandbox: NetnsSandbox, ns: string, script: string, what: string, args: string[]): Promise<void> {
  const child = sandbox.spawn(ns, [process.execPath, '-e', script, ...args]);
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const listening = new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  const exited = once(child, 'exit').then(() => {
    throw new Error(`${what} exited: ${stderr}`);
  });
  await Promise.race([listening, exited]);
}

/** Sends `count` datagrams from ns to ip:port, each from a new socket (or from `sourcePort`): who answered each, or "timeout" (1 s). */
export async function udpAsk(sandbox: NetnsSandbox, ns: string, ip: string, port: number, count: number, sourcePort?: number): Promise<string[]> {
  return JSON.parse(await sandbox.exec(ns, [process.execPath, '-e', udpClientScript, ip, String(port), String(count), ...(sourcePort ? [String(sourcePort)] : [])])) as string[];
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
