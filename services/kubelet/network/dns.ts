// A pod's DNS resolver configuration from its dnsPolicy and dnsConfig (Kubernetes' kubelet
// pkg/kubelet/network/dns Configurer.GetPodDNS): ClusterFirst gets the cluster DNS servers, the
// search path <ns>.svc.<domain> svc.<domain> <domain> plus the node's, and ndots:5 (a hostNetwork
// pod falls back to Default, ClusterFirstWithHostNet does not); Default gets the node's resolver
// (--resolv-conf); None starts empty. dnsConfig is then merged in, and the result cut to the
// resolver's limits with Kubernetes' DNSConfigForming warnings. The runtime writes it as the
// sandbox's resolv.conf (runtime/resolv-conf.ts).
import { readFile } from 'node:fs/promises';
import type { KubeObject } from '../../../lib/api/kinds';
import type { EventRecorder } from '../../../lib/events';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { DnsConfig } from '../runtime/types';

/** Kubernetes' validation limits (MaxDNSNameservers, and the expanded MaxDNSSearchPaths / MaxDNSSearchListChars). */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** A search path longer than a DNS subdomain name is dropped (glibc aborts on paths over 255). */
const MAX_SEARCH_PATH_LENGTH = 253;
const DEFAULT_DNS_OPTIONS = ['ndots:5'];

export interface DnsConfigurerOptions {
  /** --cluster-dns: the cluster DNS servers ClusterFirst pods use. */
  clusterDNS: readonly string[];
  /** --cluster-domain: the cluster's DNS domain ("" adds no cluster search paths). */
  clusterDomain: string;
  /** --resolv-conf: the node's resolver file that Default pods copy and ClusterFirst pods take search paths from ("" for none). */
  resolvConf: string;
  nodeName: string;
  /** The node's addresses: with no --resolv-conf, Default pods ask the local resolver on each family. */
  nodeIPs?: () => readonly string[];
  recorder: EventRecorder;
  /** Reads the resolver file (tests replace it). */
  readFile?: (path: string) => Promise<string>;
}

/** A resolv.conf's nameservers (accumulated), search paths and options (the last line of each wins). */
export function parseResolvConf(text: string): DnsConfig & { errors: string[] } {
  const out: DnsConfig & { errors: string[] } = { servers: [], searches: [], options: [], errors: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver') {
      if (fields.length >= 2) out.servers.push(fields[1]);
      else out.errors.push('nameserver list is empty ');
    }
    // The same domain with and without its trailing dot counts once.
    if (fields[0] === 'search') out.searches = fields.slice(1).map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') out.options = fields.slice(1);
  }
  return out;
}

function omitDuplicates(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Options as name[:value]; the pod's dnsConfig options replace those of the same name. */
export function mergeDnsOptions(existing: readonly string[], podOptions: ReadonlyArray<{ name: string; value?: string }>): string[] {
  const options = new Map<string, string>();
  for (const op of existing) {
    const colon = op.indexOf(':');
    if (colon === -1) options.set(op, '');
    else options.set(op.slice(0, colon), op.slice(colon + 1));
  }
  for (const op of podOptions) options.set(op.name, op.value ?? '');
  return [...options].map(([name, value]) => (value ? `${name}:${value}` : name));
}

export type PodDnsType = 'cluster' | 'host' | 'none';

/** Which base a pod's resolver starts from (Kubernetes' getPodDNSType); an unknown policy is ClusterFirst's. */
export function podDnsType(pod: Pod): PodDnsType {
  switch (pod.spec?.dnsPolicy || 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    default:
      return pod.spec?.hostNetwork ? 'host' : 'cluster';
  }
}

/** "name_namespace(uid)", as the kubelet names pods in messages (Kubernetes' format.Pod). */
function formatPod(pod: Pod): string {
  const m = pod.metadata;
  return `${m?.name ?? ''}_${m?.namespace ?? ''}(${m?.uid ?? ''})`;
}

export class DnsConfigurer {
  private readonly read: (path: string) => Promise<string>;

  constructor(private readonly o: DnsConfigurerOptions) {
    this.read = o.readFile ?? ((path) => readFile(path, 'utf8'));
  }

  get clusterDomain(): string {
    return this.o.clusterDomain;
  }

  /** The pod's resolver configuration; fails only when the node's resolver file cannot be read. */
  async podDNS(pod: Pod): Promise<DnsConfig> {
    let config = await this.hostConfig();
    switch (podDnsType(pod)) {
      case 'none':
        config = { servers: [], searches: [], options: [] };
        break;
      case 'cluster':
        if (this.o.clusterDNS.length > 0) {
          // The cluster DNS server is the only one: it forwards what it does not resolve itself.
          config = { servers: [...this.o.clusterDNS], searches: this.clusterSearches(config.searches, pod), options: [...DEFAULT_DNS_OPTIONS] };
          break;
        }
        this.missingClusterDNS(pod);
        this.hostFallback(config);
        break;
      case 'host':
        this.hostFallback(config);
        break;
    }
    const podConfig = pod.spec?.dnsConfig;
    if (podConfig) {
      config = {
        servers: omitDuplicates([...config.servers, ...podConfig.nameservers]),
        searches: omitDuplicates([...config.searches, ...podConfig.searches]),
        options: mergeDnsOptions(config.options, podConfig.options),
      };
    }
    return { servers: this.fitNameservers(config.servers, pod), searches: this.fitSearches(config.searches, pod), options: config.options };
  }

  /**
   * Warns (CheckLimitsForResolvConf events on the Node) when the node's resolver leaves pods too
   * few search paths: more than the limit less the 3 cluster ones, a path too long, or a line too wide.
   */
  async checkLimitsForResolvConf(): Promise<void> {
    const path = this.o.resolvConf;
    if (!path) return;
    let searches: string[];
    try {
      const parsed = parseResolvConf(await this.read(path));
      if (parsed.errors.length > 0) throw new Error(parsed.errors.join(', '));
      searches = parsed.searches;
    } catch (err) {
      this.nodeEvent('CheckLimitsForResolvConf', (err as Error).message);
      return;
    }
    const limit = MAX_DNS_SEARCH_PATHS - (this.o.clusterDomain ? 3 : 0);
    if (searches.length > limit) {
      this.nodeEvent('CheckLimitsForResolvConf', `Resolv.conf file '${path}' contains search line consisting of more than ${limit} domains!`);
    } else if (searches.some((s) => s.length > MAX_SEARCH_PATH_LENGTH)) {
      this.nodeEvent('CheckLimitsForResolvConf', `Resolv.conf file "${path}" contains a search path which length is more than allowed ${MAX_SEARCH_PATH_LENGTH} chars!`);
    } else if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
      this.nodeEvent('CheckLimitsForResolvConf', `Resolv.conf file '${path}' contains search line which length is more than allowed ${MAX_DNS_SEARCH_LIST_CHARS} chars!`);
    }
  }

  private nodeEvent(reason: string, message: string): void {
    const node = { kind: 'Node', apiVersion: 'v1', metadata: { name: this.o.nodeName, uid: this.o.nodeName } } as KubeObject;
    this.o.recorder.event(node, 'Warning', reason, message);
  }

  private async hostConfig(): Promise<DnsConfig> {
    if (!this.o.resolvConf) return { servers: [], searches: [], options: [] };
    const { servers, searches, options, errors } = parseResolvConf(await this.read(this.o.resolvConf));
    if (errors.length > 0) throw new Error(errors.join(', '));
    return { servers, searches, options };
  }

  /** With no --resolv-conf, Default pods ask the node's own resolver, which disables lookups beyond it. */
  private hostFallback(config: DnsConfig): void {
    if (this.o.resolvConf) return;
    const ips = this.o.nodeIPs?.() ?? [];
    for (const ip of ips) config.servers.push(ip.includes(':') ? '::1' : '127.0.0.1');
    if (config.servers.length === 0) config.servers.push('127.0.0.1');
    config.searches = ['.'];
  }

  private clusterSearches(hostSearches: readonly string[], pod: Pod): string[] {
    const domain = this.o.clusterDomain;
    if (!domain) return [...hostSearches];
    return omitDuplicates([`${pod.metadata?.namespace ?? ''}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearches]);
  }

  private missingClusterDNS(pod: Pod): void {
    const message = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
    this.nodeEvent('MissingClusterDNS', message);
    this.o.recorder.event(pod, 'Warning', 'MissingClusterDNS', `pod: "${formatPod(pod)}". ${message}`);
  }

  private fitNameservers(servers: string[], pod: Pod): string[] {
    if (servers.length <= MAX_DNS_NAMESERVERS) return servers;
    const kept = servers.slice(0, MAX_DNS_NAMESERVERS);
    this.o.recorder.event(pod, 'Warning', 'DNSConfigForming', `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${kept.join(' ')}`);
    return kept;
  }

  private fitSearches(searches: string[], pod: Pod): string[] {
    let exceeded = searches.length > MAX_DNS_SEARCH_PATHS;
    let kept = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    const short = kept.filter((s) => s.length <= MAX_SEARCH_PATH_LENGTH);
    exceeded ||= short.length < kept.length;
    kept = short;
    // Whole paths come off the end until the line (spaces included) fits.
    while (kept.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
      kept = kept.slice(0, -1);
      exceeded = true;
    }
    if (exceeded) {
      this.o.recorder.event(pod, 'Warning', 'DNSConfigForming', `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${kept.join(' ')}`);
    }
    return kept;
  }
}
