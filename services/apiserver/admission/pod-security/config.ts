// The PodSecurity plugin's configuration, read from kube-apiserver's admission configuration
// file (--admission-control-config-file): an AdmissionConfiguration whose PodSecurity plugin
// entry holds (inline, or in a file named by `path`) a PodSecurityConfiguration with the
// defaults for unlabelled namespaces and the exempt usernames, namespaces and runtime classes.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { policyFromLabels, LABEL_PREFIX, PRIVILEGED_POLICY, type Policy } from './levels';

export interface PodSecurityConfiguration {
  /** The policy of a namespace without pod-security labels. */
  defaults: Policy;
  exemptions: {
    usernames: string[];
    namespaces: string[];
    runtimeClasses: string[];
  };
}

/** Kubernetes' built-in configuration: everything privileged, nothing exempt. */
export const DEFAULT_POD_SECURITY_CONFIGURATION: PodSecurityConfiguration = {
  defaults: PRIVILEGED_POLICY,
  exemptions: { usernames: [], namespaces: [], runtimeClasses: [] },
};

const strings = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`invalid PodSecurity configuration: ${field}: must be a list of strings`);
  return v as string[];
};

/** A PodSecurityConfiguration object (pod-security.admission.config.k8s.io). */
export function podSecurityConfiguration(doc: unknown): PodSecurityConfiguration {
  const cfg = (doc ?? {}) as { kind?: string; defaults?: Record<string, unknown>; exemptions?: Record<string, unknown> };
  if (cfg.kind !== undefined && cfg.kind !== 'PodSecurityConfiguration') throw new Error(`invalid PodSecurity configuration: kind ${cfg.kind}, expected PodSecurityConfiguration`);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg.defaults ?? {})) labels[`${LABEL_PREFIX}${k}`] = String(v);
  const { policy, errors } = policyFromLabels(labels, PRIVILEGED_POLICY, (key) => `defaults.${key.slice(LABEL_PREFIX.length)}`);
  if (errors.length) throw new Error(`invalid PodSecurity configuration: ${errors.map((e) => `${e.field}: ${e.message}`).join(', ')}`);
  const ex = cfg.exemptions ?? {};
  return {
    defaults: policy,
    exemptions: {
      usernames: strings(ex.usernames, 'exemptions.usernames'),
      namespaces: strings(ex.namespaces, 'exemptions.namespaces'),
      runtimeClasses: strings(ex.runtimeClasses, 'exemptions.runtimeClasses'),
    },
  };
}

/** The PodSecurity configuration of an AdmissionConfiguration file; the default when it has none. */
export function loadPodSecurityConfiguration(file: string): PodSecurityConfiguration {
  const admission = parse(readFileSync(file, 'utf8')) as { kind?: string; plugins?: Array<{ name?: string; path?: string; configuration?: unknown }> } | null;
  if (admission?.kind !== 'AdmissionConfiguration') throw new Error(`${file}: kind ${admission?.kind}, expected AdmissionConfiguration`);
  const plugin = (admission.plugins ?? []).find((p) => p.name === 'PodSecurity');
  if (!plugin) return DEFAULT_POD_SECURITY_CONFIGURATION;
  if (plugin.configuration !== undefined) return podSecurityConfiguration(plugin.configuration);
  if (plugin.path) return podSecurityConfiguration(parse(readFileSync(resolve(dirname(file), plugin.path), 'utf8')));
  return DEFAULT_POD_SECURITY_CONFIGURATION;
}
