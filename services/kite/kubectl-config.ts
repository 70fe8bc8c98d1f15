// The kubeconfig the real kubectl uses for a kite cluster, and its place in the user's kubectl
// config, as kind keeps it (sigs.k8s.io/kind/pkg/cluster/internal/kubeconfig): cluster, user and
// context "kite-<name>" (kind's are "kind-<name>") pointing at the apiserver's HTTPS port on the
// host. `kite create cluster` and `kite export kubeconfig` merge them into the file kubectl would
// write to ($KUBECONFIG's first existing file, else its last; without $KUBECONFIG
// ~/.kube/config), replacing entries of the same name in place and making the context current;
// `kite delete cluster` removes them from every file of $KUBECONFIG. Everything else in those
// files (other entries, preferences, extensions, fields Kite does not know) is written back as
// it was read. A file created here is 0600 (kind's mode); an existing file keeps its own.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { KubeConfigFile } from '../../lib/client/kubeconfig';
import { contextName } from './kubeconfig';

type Entry = { name?: unknown } & Record<string, unknown>;
type Doc = Record<string, unknown> & { clusters?: Entry[]; users?: Entry[]; contexts?: Entry[] };

/**
 * The files kubectl reads, in order (kind's paths()): $KUBECONFIG's list without empty and
 * repeated entries, or ~/.kube/config.
 */
export function kubectlConfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = [...new Set((env.KUBECONFIG ?? '').split(delimiter).filter(Boolean))];
  return listed.length ? listed : [join(env.HOME || homedir(), '.kube', 'config')];
}

/** The file kubectl (and kind) adds new entries to: the first that exists, else the last. */
export function kubectlConfigPathForMerge(env: NodeJS.ProcessEnv = process.env): string {
  const paths = kubectlConfigPaths(env);
  if (paths.length === 1) return paths[0];
  return paths.find((p) => existsSync(p) && statSync(p).isFile()) ?? paths[paths.length - 1];
}

/**
 * The kubectl kubeconfig of a cluster: the admin identity of its kitectl config, the server the
 * apiserver's HTTPS port on the host. No tls-server-name: kubectl (Go) verifies an IP address
 * against the certificate's IP names, which include the host address.
 */
export function kubectlKubeconfig(kitectlConfig: KubeConfigFile, server: string): KubeConfigFile {
  const name = kitectlConfig['current-context'];
  const ca = kitectlConfig.clusters[0].cluster['certificate-authority-data'];
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name, user: kitectlConfig.users[0].user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  };
}

function readDoc(file: string): Doc {
  if (!existsSync(file)) return {};
  const doc = parse(readFileSync(file, 'utf8')) as unknown;
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: not a kubeconfig (want a YAML mapping)`);
  return doc as Doc;
}

function writeDoc(file: string, doc: Doc): void {
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, stringify(doc), { mode });
  renameSync(tmp, file);
}

/** Replaces the entry of the same name where it is, or appends it. */
function upsert(list: Entry[] | undefined, entry: Entry): Entry[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((e) => e.name === entry.name);
  if (i >= 0) out[i] = entry;
  else out.push(entry);
  return out;
}

/** Merges the cluster's entries into the user's kubectl config and makes its context current; returns the file. */
export function mergeKubectlConfig(entry: KubeConfigFile, env: NodeJS.ProcessEnv = process.env): string {
  const file = kubectlConfigPathForMerge(env);
  const doc = readDoc(file);
  const merged: Doc = { apiVersion: 'v1', kind: 'Config', preferences: {}, ...doc };
  merged.clusters = upsert(doc.clusters, entry.clusters[0]);
  merged.users = upsert(doc.users, entry.users[0]);
  merged.contexts = upsert(doc.contexts, entry.contexts[0]);
  merged['current-context'] = entry['current-context'];
  writeDoc(file, merged);
  return file;
}

/** Removes the cluster's entries from every file kubectl reads; returns the files it changed. */
export function removeFromKubectlConfig(cluster: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const name = contextName(cluster);
  const changed: string[] = [];
  for (const file of kubectlConfigPaths(env)) {
    const doc = readDoc(file);
    let mutated = false;
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const list = doc[key];
      if (!Array.isArray(list)) continue;
      const kept = list.filter((e) => e?.name !== name);
      if (kept.length !== list.length) {
        doc[key] = kept;
        mutated = true;
      }
    }
    if (doc['current-context'] === name) {
      doc['current-context'] = '';
      mutated = true;
    }
    if (mutated) {
      writeDoc(file, doc);
      changed.push(file);
    }
  }
  return changed;
}
