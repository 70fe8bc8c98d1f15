// The sandbox's resolv.conf, as CRI runtimes write it from the pod's DNSConfig (containerd's
// layout: search, nameserver lines, options). Docker's own file cannot serve: on a user-defined
// network it names the engine's embedded resolver, not the pod's servers.
import { join } from 'node:path';
import { podDir } from '../volumes/paths';
import type { DnsConfig } from './types';

/** Where containers find the pod's resolver. */
export const ETC_RESOLV_CONF = '/etc/resolv.conf';

/** The file in the pod's directory, bound over /etc/resolv.conf in every container of the pod. */
export function sandboxResolvConfPath(rootDir: string, podUid: string): string {
  return join(podDir(rootDir, podUid), 'resolv.conf');
}

export function formatResolvConf(config: DnsConfig): string {
  let out = '';
  if (config.searches.length > 0) out += `search ${config.searches.join(' ')}\n`;
  for (const server of config.servers) out += `nameserver ${server}\n`;
  if (config.options.length > 0) out += `options ${config.options.join(' ')}\n`;
  return out;
}
