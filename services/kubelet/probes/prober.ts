// Runs one probe attempt from inside the kubelet (which shares the node's network, so pod IPs are
// reachable directly): httpGet (2xx/3xx succeeds), tcpSocket (connect succeeds), exec (exit 0).
// The actions themselves are shared with lifecycle hooks (actions.ts).
import type { Container, Pod, Probe } from '../../../lib/gen/kite/core/v1/types';
import type { ContainerRuntime } from '../runtime/types';
import { execCommand, httpGet, tcpConnect } from './actions';

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

function timeoutMs(probe: Probe): number {
  return Math.max(1, probe.timeoutSeconds || 1) * 1000;
}

async function httpProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const res = await httpGet(probe.httpGet!, target.container, target.podIP, { timeoutMs: timeoutMs(probe), userAgent: 'kite-probe/1.0' });
  if (res.statusCode >= 200 && res.statusCode < 400) return { success: true, message: res.body };
  return { success: false, message: `HTTP probe failed with statuscode: ${res.statusCode}` };
}

async function tcpProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  await tcpConnect(probe.tcpSocket!, target.container, target.podIP, timeoutMs(probe));
  return { success: true, message: '' };
}

async function execProbe(runtime: ContainerRuntime, probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const command = probe.exec!.command;
  const { exitCode, output } = await execCommand(runtime, target.containerId, command, { timeoutMs: timeoutMs(probe) });
  return exitCode === 0 ? { success: true, message: output } : { success: false, message: output || `command ${JSON.stringify(command)} exited with ${exitCode}` };
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
