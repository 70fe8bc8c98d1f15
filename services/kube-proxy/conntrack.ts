// Clearing UDP conntrack entries, as kube-proxy's conntrack cleanup (pkg/proxy/conntrack):
// UDP has no connection end, so a client keeps sending to the endpoint its first packet was
// DNATed to (or to nowhere, if it was sent before the service had endpoints) until the entry
// times out. After each sync kube-proxy deletes the entries to endpoints that are gone and
// those of services that just got their first endpoint. Uses the `conntrack` tool; without it
// (not installed on the node) nothing is cleared and the entries expire on their own.
import { netnsPrefix, runCommand } from './exec';
import type { ServicePortInfo } from './service-ports';

export interface ConntrackRunner {
  /** Runs `conntrack` with these arguments; "no entries deleted" is not a failure. */
  run(args: string[]): Promise<void>;
}

export class ExecConntrackRunner implements ConntrackRunner {
  private missing = false;

  constructor(private readonly options: { netns?: string } = {}) {}

  async run(args: string[]): Promise<void> {
    if (this.missing) return;
    try {
      const result = await runCommand([...netnsPrefix(this.options.netns), 'conntrack', ...args]);
      // conntrack exits 1 with "0 flow entries have been deleted" when nothing matched.
      if (result.code !== 0 && !/0 flow entries/.test(result.stderr)) throw new Error(`conntrack ${args.join(' ')}: ${result.stderr.trim()}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.missing = true;
    }
  }
}

/**
 * The conntrack deletions a sync calls for, as kube-proxy's CleanStaleEntries: for every UDP
 * service port, entries DNATed to an endpoint it no longer uses, and, when it had no endpoint
 * before, every entry to its cluster IP and NodePort.
 */
export function staleConntrackDeletions(before: ServicePortInfo[], after: ServicePortInfo[]): string[][] {
  const previous = new Map(before.filter((sp) => sp.protocol === 'udp').map((sp) => [`${sp.name}/${sp.clusterIP}:${sp.port}`, sp]));
  const deletions: string[][] = [];
  for (const sp of after) {
    if (sp.protocol !== 'udp') continue;
    const old = previous.get(`${sp.name}/${sp.clusterIP}:${sp.port}`);
    previous.delete(`${sp.name}/${sp.clusterIP}:${sp.port}`);
    if (!old) continue;
    const ips = new Set(sp.endpoints.map(ipOf));
    for (const ip of new Set(old.endpoints.map(ipOf))) {
      if (!ips.has(ip)) deletions.push(...forEndpoint(old, ip));
    }
    if (old.endpoints.length === 0 && sp.endpoints.length > 0) {
      deletions.push(['-D', '--orig-dst', sp.clusterIP, '-p', 'udp']);
      if (sp.nodePort) deletions.push(['-D', '-p', 'udp', '--dport', String(sp.nodePort)]);
    }
  }
  // Service ports that went away: their endpoints' entries go with them.
  for (const old of previous.values()) {
    for (const ip of new Set(old.endpoints.map(ipOf))) deletions.push(...forEndpoint(old, ip));
  }
  return deletions;
}

function ipOf(endpoint: string): string {
  return endpoint.slice(0, endpoint.lastIndexOf(':'));
}

function forEndpoint(sp: ServicePortInfo, ip: string): string[][] {
  const out = [['-D', '--orig-dst', sp.clusterIP, '--dst-nat', ip, '-p', 'udp']];
  if (sp.nodePort) out.push(['-D', '-p', 'udp', '--dport', String(sp.nodePort), '--dst-nat', ip]);
  return out;
}
