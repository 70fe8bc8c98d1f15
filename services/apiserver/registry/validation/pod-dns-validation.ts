// Validation of a pod's DNS fields as Kubernetes' ValidatePodSpec does it: hostname and subdomain
// are DNS-1123 labels, validatePodDNSConfig (dnsPolicy None needs dnsConfig with a nameserver; at
// most 3 nameservers, all IPs; at most 32 search paths in 2048 characters, each a DNS subdomain
// with an optional trailing dot; every option named) and ValidateHostAliases (an IP, DNS
// subdomain hostnames).
import { isIP } from 'node:net';
import type { PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import * as v from './validation-helpers';

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/** A Go []string as field errors print it (%#v). */
function goStrings(list: readonly string[]): string {
  return `[]string{${list.map((s) => JSON.stringify(s)).join(', ')}}`;
}

function ip(c: v.Causes, field: string, value: string): void {
  if (!isIP(value)) c.add(field, `Invalid value: "${value}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`);
}

export function validatePodDNS(c: v.Causes, spec: PodSpec, path: string): void {
  if (spec.hostname) v.dns1123Label(c, `${path}.hostname`, spec.hostname);
  if (spec.subdomain) v.dns1123Label(c, `${path}.subdomain`, spec.subdomain);
  validatePodDNSConfig(c, spec, `${path}.dnsConfig`);
  spec.hostAliases.forEach((alias, i) => {
    ip(c, `${path}.hostAliases[${i}].ip`, alias.ip);
    alias.hostnames.forEach((name, j) => v.dns1123Subdomain(c, `${path}.hostAliases[${i}].hostnames[${j}]`, name));
  });
}

function validatePodDNSConfig(c: v.Causes, spec: PodSpec, path: string): void {
  const config = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!config) {
      c.add(path, 'Required value: must provide `dnsConfig` when `dnsPolicy` is None');
      return;
    }
    if (config.nameservers.length === 0) {
      c.add(`${path}.nameservers`, 'Required value: must provide at least one DNS nameserver when `dnsPolicy` is None');
      return;
    }
  }
  if (!config) return;
  if (config.nameservers.length > MAX_DNS_NAMESERVERS) {
    c.add(`${path}.nameservers`, `Invalid value: ${goStrings(config.nameservers)}: must not have more than ${MAX_DNS_NAMESERVERS} nameservers`);
  }
  config.nameservers.forEach((ns, i) => ip(c, `${path}.nameservers[${i}]`, ns));
  if (config.searches.length > MAX_DNS_SEARCH_PATHS) {
    c.add(`${path}.searches`, `Invalid value: ${goStrings(config.searches)}: must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`);
  }
  if (config.searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    c.add(`${path}.searches`, `Invalid value: ${goStrings(config.searches)}: must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`);
  }
  // A trailing dot is fine.
  config.searches.forEach((search, i) => {
    const name = search.replace(/\.$/, '');
    v.dns1123Subdomain(c, `${path}.searches[${i}]`, name);
  });
  config.options.forEach((option, i) => {
    if (!option.name) c.add(`${path}.options[${i}]`, 'Required value: Option.Name must not be empty');
  });
}
