// The Pod Security Standards checks, one pure function per check of Kubernetes'
// pod-security-admission policy package (check_*.go), with its reasons and details word for
// word. Each reads a pod's metadata and spec and says whether the pod passes; the evaluator runs
// them in Kubernetes' order (by check file name) and joins the failures into one message.
import type { Container, PodSpec, Probe, LifecycleHandler, Volume } from '../../../../lib/gen/kite/core/v1/types';
import type { ObjectMeta } from '../../../../lib/gen/kite/meta/v1/meta';

export interface CheckResult {
  allowed: boolean;
  /** Short reason, e.g. "privileged". */
  reason?: string;
  /** What exactly is wrong, e.g. `container "c" must not set securityContext.privileged=true`. */
  detail?: string;
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** A baseline check that a restricted check replaces at the restricted level. */
  overlap?: boolean;
  run(meta: ObjectMeta | undefined, spec: PodSpec): CheckResult;
}

const ALLOWED: CheckResult = { allowed: true };
const fail = (reason: string, detail: string): CheckResult => ({ allowed: false, reason, detail });

const pluralize = (singular: string, plural: string, n: number) => (n === 1 ? singular : plural);
const joinQuote = (items: string[]) => (items.length ? `"${items.join('", "')}"` : '');
/** Go's sets.NewString(...).List(): unique and sorted. */
const sortedSet = (items: Iterable<string>) => [...new Set(items)].sort();
/** Go's %q for the strings these messages quote. */
const quote = (s: string) => JSON.stringify(s);
const containersPhrase = (names: string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** Init containers first, then containers, as Kubernetes' visitContainers. */
function containersOf(spec: PodSpec): Container[] {
  return [...spec.initContainers, ...spec.containers];
}

function namesWhere(spec: PodSpec, bad: (c: Container) => boolean): string[] {
  return containersOf(spec).filter(bad).map((c) => c.name);
}

/** "pod and containers "a", "b"": who set a forbidden value. */
function setters(pod: boolean, containers: string[]): string[] {
  const out = pod ? ['pod'] : [];
  if (containers.length) out.push(containersPhrase(containers));
  return out;
}

// ---------- baseline ----------

function allowedProfileType(type: string): boolean {
  return type === 'RuntimeDefault' || type === 'Localhost';
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  run(meta, spec) {
    const badValues = new Set<string>();
    const podProfile = spec.securityContext?.appArmorProfile;
    const podBad = !!podProfile && !allowedProfileType(podProfile.type);
    if (podBad) badValues.add(podProfile!.type);
    const badContainers = namesWhere(spec, (c) => {
      const p = c.securityContext?.appArmorProfile;
      if (!p || allowedProfileType(p.type)) return false;
      badValues.add(p.type);
      return true;
    });
    const who = setters(podBad, badContainers);
    const annotations = Object.entries(meta?.annotations ?? {})
      .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === '' || v === 'runtime/default' || v.startsWith('localhost/')))
      .map(([k, v]) => `${k}=${quote(v)}`)
      .sort();
    const values = [...sortedSet(badValues), ...annotations];
    if (annotations.length) who.push(pluralize('annotation', 'annotations', annotations.length));
    if (!who.length) return ALLOWED;
    return fail(
      pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
      `${who.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
    );
  },
};

/** The capabilities a container may add at the baseline level (Docker's default set, less NET_RAW). */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  overlap: true,
  run(_meta, spec) {
    const forbidden = new Set<string>();
    const bad = namesWhere(spec, (c) => {
      const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
      extra.forEach((cap) => forbidden.add(cap));
      return extra.length > 0;
    });
    if (!bad.length) return ALLOWED;
    return fail('non-default capabilities', `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`);
  },
};

const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  run(_meta, spec) {
    const shared: string[] = [];
    if (spec.hostNetwork) shared.push('hostNetwork=true');
    if (spec.hostPID) shared.push('hostPID=true');
    if (spec.hostIPC) shared.push('hostIPC=true');
    return shared.length ? fail('host namespaces', shared.join(', ')) : ALLOWED;
  },
};

const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  level: 'baseline',
  overlap: true,
  run(_meta, spec) {
    const names = spec.volumes.filter((v) => v.hostPath).map((v) => v.name);
    return names.length ? fail('hostPath volumes', `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`) : ALLOWED;
  },
};

const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  run(_meta, spec) {
    const ports = new Set<string>();
    const bad = namesWhere(spec, (c) => {
      const used = c.ports.filter((p) => p.hostPort !== 0);
      used.forEach((p) => ports.add(String(p.hostPort)));
      return used.length > 0;
    });
    if (!bad.length) return ALLOWED;
    const list = sortedSet(ports);
    return fail(
      'hostPort',
      `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
    );
  },
};

function probeHosts(probe: Probe | LifecycleHandler | undefined): string[] {
  return [probe?.httpGet?.host, probe?.tcpSocket?.host].filter((h): h is string => !!h);
}

const hostProbesAndHostLifecycle: Check = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  run(_meta, spec) {
    const hosts = new Set<string>();
    const bad = namesWhere(spec, (c) => {
      const found = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap(probeHosts);
      found.forEach((h) => hosts.add(h));
      return found.length > 0;
    });
    if (!bad.length) return ALLOWED;
    const names = sortedSet(bad);
    const list = sortedSet(hosts);
    return fail(
      'probe or lifecycle host',
      `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${joinQuote(list)}`,
    );
  },
};

const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  run(_meta, spec) {
    const bad = namesWhere(spec, (c) => c.securityContext?.privileged === true);
    return bad.length ? fail('privileged', `${containersPhrase(bad)} must not set securityContext.privileged=true`) : ALLOWED;
  },
};

const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  run(_meta, spec) {
    const types = new Set<string>();
    const bad = namesWhere(spec, (c) => {
      const t = c.securityContext?.procMount;
      if (t === undefined || t === 'Default') return false;
      types.add(t);
      return true;
    });
    return bad.length ? fail('procMount', `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`) : ALLOWED;
  },
};

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);

const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  run(_meta, spec) {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: { user: string; role: string; type: string } | undefined) => {
      if (!o) return true;
      let ok = true;
      if (!SELINUX_TYPES.has(o.type)) {
        ok = false;
        badTypes.add(o.type);
      }
      if (o.user) {
        ok = false;
        setUser = true;
      }
      if (o.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podBad = !valid(spec.securityContext?.seLinuxOptions);
    const bad = namesWhere(spec, (c) => !valid(c.securityContext?.seLinuxOptions));
    const who = setters(podBad, bad);
    if (!who.length) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedSet(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return fail('seLinuxOptions', `${who.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  },
};

/** Seccomp must not be Unconfined where it is set (unset is the runtime's choice at this level). */
const seccompProfileBaseline: Check = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  overlap: true,
  run(_meta, spec) {
    const badValues = new Set<string>();
    const podProfile = spec.securityContext?.seccompProfile;
    const podBad = !!podProfile && !allowedProfileType(podProfile.type);
    if (podBad) badValues.add(podProfile!.type);
    const bad = namesWhere(spec, (c) => {
      const p = c.securityContext?.seccompProfile;
      if (!p || allowedProfileType(p.type)) return false;
      badValues.add(p.type);
      return true;
    });
    const who = setters(podBad, bad);
    if (!who.length) return ALLOWED;
    return fail('seccompProfile', `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
  },
};

/** Namespaced sysctls isolated from other pods (Kubernetes 1.29's list). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  run(_meta, spec) {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
    return bad.length ? fail('forbidden sysctls', bad.join(', ')) : ALLOWED;
  },
};

const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  run(_meta, spec) {
    const bad = namesWhere(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
    const who = setters(spec.securityContext?.windowsOptions?.hostProcess === true, bad);
    return who.length ? fail('hostProcess', `${who.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`) : ALLOWED;
  },
};

// ---------- restricted ----------

const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  run(_meta, spec) {
    const bad = namesWhere(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
    return bad.length
      ? fail('allowPrivilegeEscalation != false', `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`)
      : ALLOWED;
  },
};

const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  run(_meta, spec) {
    const missingDropAll: string[] = [];
    const addingForbidden: string[] = [];
    const forbidden = new Set<string>();
    for (const c of containersOf(spec)) {
      const caps = c.securityContext?.capabilities;
      if (!caps) {
        missingDropAll.push(c.name);
        continue;
      }
      if (!caps.drop.includes('ALL')) missingDropAll.push(c.name);
      const extra = caps.add.filter((cap) => cap !== 'NET_BIND_SERVICE');
      extra.forEach((cap) => forbidden.add(cap));
      if (extra.length) addingForbidden.push(c.name);
    }
    const details: string[] = [];
    if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
    if (addingForbidden.length) {
      details.push(`${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`);
    }
    return details.length ? fail('unrestricted capabilities', details.join('; ')) : ALLOWED;
  },
};

/** Volume types a restricted pod may use: the ones backed by the API or by PersistentVolumes. */
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret', 'image']);

/** The volume's source field name (Kubernetes' JSON name, e.g. "hostPath"), or "unknown". */
function volumeType(v: Volume): string {
  const set = Object.entries(v).find(([k, val]) => k !== 'name' && val !== undefined && val !== null);
  return set ? set[0] : 'unknown';
}

const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  run(_meta, spec) {
    const types = new Set<string>();
    const bad = spec.volumes.filter((v) => {
      const t = volumeType(v);
      if (RESTRICTED_VOLUME_TYPES.has(t)) return false;
      types.add(t);
      return true;
    });
    if (!bad.length) return ALLOWED;
    const list = sortedSet(types);
    return fail(
      'restricted volume types',
      `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad.map((v) => v.name))} ${pluralize('uses', 'use', bad.length)} ` +
        `${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
    );
  },
};

const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  run(_meta, spec) {
    const podValue = spec.securityContext?.runAsNonRoot;
    const explicitlyBad = namesWhere(spec, (c) => c.securityContext?.runAsNonRoot === false);
    const implicitlyBad = podValue === true ? [] : namesWhere(spec, (c) => c.securityContext?.runAsNonRoot === undefined);
    const who = setters(podValue === false, explicitlyBad);
    if (who.length) return fail('runAsNonRoot != true', `${who.join(' and ')} must not set securityContext.runAsNonRoot=false`);
    if (implicitlyBad.length) return fail('runAsNonRoot != true', `pod or ${containersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
    return ALLOWED;
  },
};

const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  run(_meta, spec) {
    const who = setters(spec.securityContext?.runAsUser === 0, namesWhere(spec, (c) => c.securityContext?.runAsUser === 0));
    return who.length ? fail('runAsUser=0', `${who.join(' and ')} must not set runAsUser=0`) : ALLOWED;
  },
};

/** Seccomp must be RuntimeDefault or Localhost, set on the pod or on every container. */
const seccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  run(_meta, spec) {
    const badValues = new Set<string>();
    const podProfile = spec.securityContext?.seccompProfile;
    const podBad = !!podProfile && !allowedProfileType(podProfile.type);
    if (podBad) badValues.add(podProfile!.type);
    const podSet = !!podProfile && !podBad;
    const explicitlyBad = namesWhere(spec, (c) => {
      const p = c.securityContext?.seccompProfile;
      if (!p || allowedProfileType(p.type)) return false;
      badValues.add(p.type);
      return true;
    });
    const implicitlyBad = podSet ? [] : namesWhere(spec, (c) => !c.securityContext?.seccompProfile);
    const who = setters(podBad, explicitlyBad);
    if (who.length) {
      return fail('seccompProfile', `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
    }
    if (implicitlyBad.length) {
      return fail('seccompProfile', `pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return ALLOWED;
  },
};

/** Every check, in Kubernetes' order (the order of its check_*.go files). */
export const CHECKS: readonly Check[] = [
  allowPrivilegeEscalation,
  appArmorProfile,
  capabilitiesBaseline,
  capabilitiesRestricted,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  hostProbesAndHostLifecycle,
  privileged,
  procMount,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seLinuxOptions,
  seccompProfileBaseline,
  seccompProfileRestricted,
  sysctls,
  windowsHostProcess,
];
