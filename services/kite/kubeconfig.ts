// The user's kitectl config (~/.kite/config, $KITECONFIG or --kubeconfig): `kite create cluster`
// adds the cluster, its admin user and a context "kite-<name>" and makes it current; `kite delete
// cluster` removes them again. Other clusters' entries are left as they are.
import { existsSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { defaultConfigPath, readConfigFile, writeConfigFile, type KubeConfigFile } from '../../lib/client/kubeconfig';

export const contextName = (cluster: string) => `kite-${cluster}`;

/** The admin kubeconfig from the control-plane node, renamed to kite-<name> and pointed at the host endpoint. */
export function externalKubeconfig(adminConfig: string, cluster: string, server: string): KubeConfigFile {
  const doc = parse(adminConfig) as KubeConfigFile;
  const name = contextName(cluster);
  const c = doc.clusters[0];
  const u = doc.users[0];
  if (!c || !u) throw new Error('the control-plane node holds an incomplete admin kubeconfig');
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // An IP address is not a valid TLS server name (RFC 6066): verify the certificate's "localhost" name instead.
    clusters: [{ name, cluster: { ...c.cluster, server, ...(/^https:\/\/[\d.]+:/.test(server) ? { 'tls-server-name': 'localhost' } : {}) } }],
    users: [{ name, user: u.user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  };
}

export const renderKubeconfig = (cfg: KubeConfigFile) => stringify(cfg);

/** Adds (or replaces) the cluster's entries in the config file and makes its context current. */
export function mergeKubeconfig(path: string | undefined, entry: KubeConfigFile): string {
  const file = path || defaultConfigPath();
  const cfg: KubeConfigFile = existsSync(file)
    ? readConfigFile(file)
    : { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], 'current-context': '' };
  const name = entry['current-context'];
  cfg.clusters = [...cfg.clusters.filter((c) => c.name !== name), ...entry.clusters];
  cfg.users = [...cfg.users.filter((u) => u.name !== name), ...entry.users];
  cfg.contexts = [...cfg.contexts.filter((c) => c.name !== name), ...entry.contexts];
  cfg['current-context'] = name;
  writeConfigFile(file, cfg);
  return file;
}

/** Removes the cluster's entries; when its context was current, no context is current afterwards. */
export function removeFromKubeconfig(path: string | undefined, cluster: string): string | undefined {
  const file = path || defaultConfigPath();
  if (!existsSync(file)) return undefined;
  const cfg = readConfigFile(file);
  const name = contextName(cluster);
  if (!cfg.contexts.some((c) => c.name === name) && !cfg.clusters.some((c) => c.name === name)) return undefined;
  cfg.clusters = cfg.clusters.filter((c) => c.name !== name);
  cfg.users = cfg.users.filter((u) => u.name !== name);
  cfg.contexts = cfg.contexts.filter((c) => c.name !== name);
  if (cfg['current-context'] === name) cfg['current-context'] = '';
  writeConfigFile(file, cfg);
  return file;
}
