// Runs one probe attempt from inside the kubelet (which shares the node's network, so pod IPs are
// reachable directly): httpGet (2xx/3xx succeeds), tcpSocket (connect succeeds), exec (exit 0).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, Pod, Probe } from '../../../lib/gen/kite/core/v1/types';
import type { ContainerRuntime } from '../runtime/types';

export interface ProbeTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
}

export interface ProbeOutcome {
  success: boolean;
  /** Why it failed (shown in the Unhealthy event), or the output of a success. */
  message: string;
}

export interface Prober {
  probe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome>;
}

/** Output kept from a probe's response or command, as Kubernetes caps it. */
const MAX_OUTPUT = 10 * 1024;

/** A port number, or a container port name looked up in the container's ports. */
export function resolvePort(port: unknown, container: Container): number {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    const named = container.ports.find((p) => p.name === port);
    if (named) return named.containerPort;
  }
  throw new Error(`invalid probe port ${JSON.stringify(port)} for container ${container.name}`);
}

function timeoutMs(probe: Probe): number {
  return Math.max(1, probe.timeoutSeconds || 1) * 1000;
}

function httpProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const action = probe.httpGet!;
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP;
  const https = action.scheme === 'HTTPS';
  const path = action.path || '/';
  const url = `${https ? 'https' : 'http'}://${host}:${port}${path.startsWith('/') ? '' : '/'}${path}`;
  const headers: Record<string, string> = { 'User-Agent': 'kite-probe/1.0', Accept: '*/*' };
  for (const h of action.httpHeaders) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const done = (outcome: ProbeOutcome) => {
      req.destroy();
      resolve(outcome);
    };
    const req = (https ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: timeoutMs(probe), rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_OUTPUT) body += chunk;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 400) done({ success: true, message: body.slice(0, MAX_OUTPUT) });
        else done({ success: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => done({ success: false, message: `Get "${url}": ${err.message}` }));
    });
    req.on('timeout', () => done({ success: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }));
    req.on('error', (err) => done({ success: false, message: `Get "${url}": ${err.message}` }));
    req.end();
  });
}

function tcpProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const action = probe.tcpSocket!;
  const port = resolvePort(action.port, target.container);
  const host = action.host || target.podIP;
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs(probe) });
    const done = (outcome: ProbeOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => done({ success: true, message: '' }));
    socket.once('timeout', () => done({ success: false, message: `dial tcp ${host}:${port}: i/o timeout` }));
    socket.once('error', (err) => done({ success: false, message: `dial tcp ${host}:${port}: ${err.message}` }));
  });
}

async function collect(stream: NodeJS.ReadableStream, sink: { text: string }): Promise<void> {
  for await (const chunk of stream) if (sink.text.length < MAX_OUTPUT) sink.text += chunk.toString();
}

async function execProbe(runtime: ContainerRuntime, probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const command = probe.exec!.command;
  const ms = timeoutMs(probe);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ success: false, message: `command ${JSON.stringify(command)} timed out after ${ms / 1000}s` }), ms);
  });
  const run = (async (): Promise<ProbeOutcome> => {
    const session = await runtime.exec(target.containerId, command);
    const output = { text: '' };
    const [code] = await Promise.all([session.exitCode, collect(session.stdout, output), collect(session.stderr, output)]);
    const text = output.text.slice(0, MAX_OUTPUT);
    return code === 0 ? { success: true, message: text } : { success: false, message: text || `command ${JSON.stringify(command)} exited with ${code}` };
  })().catch((err: Error) => ({ success: false, message: err.message }));
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class RuntimeProber implements Prober {
  constructor(private readonly runtime: ContainerRuntime) {}

  async probe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
    try {
      if (probe.exec) return await execProbe(this.runtime, probe, target);
      if (probe.httpGet) return await httpProbe(probe, target);
      if (probe.tcpSocket) return await tcpProbe(probe, target);
      return { success: false, message: 'probe has no handler (exec, httpGet or tcpSocket)' };
    } catch (err) {
      return { success: false, message: (err as Error).message };
    }
  }
}
