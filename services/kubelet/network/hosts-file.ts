// The pod's hostname and the /etc/hosts the kubelet writes for it (Kubernetes' kubelet_pods.go:
// GeneratePodHostNameAndDomain, managedHostsFileContent, nodeHostsFileContent and
// hostsEntriesFromHostAliases; GetNodenameForKernel for setHostnameAsFQDN). The file lives in the
// pod's directory as etc-hosts and is bind-mounted into every container of the pod.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, HostAlias, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { BindMount } from '../runtime/types';

/** Linux's nodename holds 64 characters; Kubernetes caps a hostname at 63. */
const HOSTNAME_MAX = 63;
const FQDN_MAX = 64;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const MANAGED_HEADER = '# Kubernetes-managed hosts file.\n';
const MANAGED_HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';

/** Why a pod's hostname cannot be made (the sandbox is then not created). */
export class PodHostnameError extends Error {}

function truncateHostname(podName: string, hostname: string): string {
  if (hostname.length <= HOSTNAME_MAX) return hostname;
  const truncated = hostname.slice(0, HOSTNAME_MAX).replace(/[-.]+$/, '');
  if (!truncated) throw new PodHostnameError(`hostname for pod "${podName}" was invalid: "${hostname}"`);
  return truncated;
}

/** Kubernetes' IsDNS1123Label messages. */
function checkLabel(what: string, value: string): void {
  const msgs: string[] = [];
  if (value.length > 63) msgs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    msgs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  if (msgs.length > 0) throw new PodHostnameError(`pod ${what} "${value}" is not a valid DNS label: ${msgs.join(';')}`);
}

/** The pod's short hostname (spec.hostname or its name, at most 63 characters) and its domain (<subdomain>.<ns>.svc.<cluster domain>, or ""). */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  const name = pod.metadata?.name ?? '';
  let hostname = name;
  if (pod.spec?.hostname) {
    checkLabel('Hostname', pod.spec.hostname);
    hostname = pod.spec.hostname;
  }
  hostname = truncateHostname(name, hostname);
  let domain = '';
  if (pod.spec?.subdomain) {
    checkLabel('Subdomain', pod.spec.subdomain);
    domain = `${pod.spec.subdomain}.${pod.metadata?.namespace ?? ''}.svc.${clusterDomain}`;
  }
  return { hostname, domain };
}

/** The hostname the kernel is given: the FQDN when setHostnameAsFQDN and a domain are set (at most 64 characters). */
export function nodenameForKernel(hostname: string, domain: string, setHostnameAsFQDN: boolean | undefined): string {
  if (!domain || !setHostnameAsFQDN) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > FQDN_MAX) {
    throw new PodHostnameError(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX} characters is the max, ${fqdn.length} characters requested)`);
  }
  return fqdn;
}

export function hostAliasEntries(aliases: readonly HostAlias[]): string {
  if (aliases.length === 0) return '';
  return `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${a.hostnames.join('\t')}\n`).join('')}`;
}

/** The hosts file of a pod on the pod network: localhost, the pod's IPs with its names, then its host aliases. */
export function managedHostsFileContent(podIPs: readonly string[], hostname: string, domain: string, aliases: readonly HostAlias[]): string {
  let out = MANAGED_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostAliasEntries(aliases);
}

/** The hosts file of a hostNetwork pod: the node's, then the pod's host aliases. */
export function nodeHostsFileContent(nodeHosts: string, aliases: readonly HostAlias[]): string {
  return MANAGED_HEADER_HOST_NETWORK + nodeHosts + hostAliasEntries(aliases);
}

/** The hosts file's path in containers, and on the node (read for hostNetwork pods). */
export const ETC_HOSTS = '/etc/hosts';

export interface HostsFileInput {
  /** The pod's directory (<root>/pods/<uid>): the file is written there as etc-hosts. */
  podDir: string;
  pod: Pod;
  podIPs: readonly string[];
  hostname: string;
  domain: string;
  /** The node's hosts file, read for hostNetwork pods; /etc/hosts by default. */
  nodeHostsPath?: string;
}

/**
 * The bind of the pod's hosts file over /etc/hosts (Kubernetes' mountEtcHostsFile): none when the
 * pod has no IP (`hasPodIP` false, off the host's network) or the container mounts /etc/hosts itself.
 */
export function hostsFileMount(podDir: string, pod: Pod, hasPodIP: boolean, container: Container): BindMount | undefined {
  if (!hasPodIP && !pod.spec?.hostNetwork) return undefined;
  if (container.volumeMounts.some((m) => m.mountPath === ETC_HOSTS)) return undefined;
  return { hostPath: join(podDir, 'etc-hosts'), containerPath: ETC_HOSTS };
}

/** Writes the pod's hosts file in its directory (the pod network's content, or the node's on the host's network). */
export async function writeHostsFile(input: HostsFileInput): Promise<void> {
  const { pod } = input;
  const aliases = pod.spec?.hostAliases ?? [];
  const content = pod.spec?.hostNetwork
    ? nodeHostsFileContent(await readFile(input.nodeHostsPath ?? ETC_HOSTS, 'utf8'), aliases)
    : managedHostsFileContent(input.podIPs, input.hostname, input.domain, aliases);
  const file = join(input.podDir, 'etc-hosts');
  await mkdir(input.podDir, { recursive: true });
  await writeFile(file, content, { mode: 0o644 });
  await chmod(file, 0o644);
}

/**
 * Writes the pod's hosts file (Kubernetes' ensureHostsFile) and returns the bind of it over
 * /etc/hosts; undefined when the pod has no IP yet or the container mounts /etc/hosts itself.
 */
export async function ensureHostsFile(input: HostsFileInput, container: Container): Promise<BindMount | undefined> {
  const mount = hostsFileMount(input.podDir, input.pod, input.podIPs.length > 0, container);
  if (mount) await writeHostsFile(input);
  return mount;
}
