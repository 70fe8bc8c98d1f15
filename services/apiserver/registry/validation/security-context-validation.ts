// Validation of pod and container security contexts with Kubernetes' field paths and messages
// (pkg/apis/core/validation: validateSeccompProfileField, validateAppArmorProfileField,
// ValidateSecurityContext, validateSysctls): profile types, Localhost profile paths that stay
// inside the node's profile directory, /proc mount types, and contradictory privilege settings.
import type { Container, PodSecurityContext, SecurityContext } from '../../../../lib/gen/kite/core/v1/types';
import type { Causes } from './validation-helpers';

const PROFILE_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'] as const;
const PROC_MOUNT_TYPES = ['Default', 'Unmasked'] as const;
const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
const SYSCTL_MAX_LENGTH = 253;

/** Kubernetes' validateLocalDescendingPath: relative, no "..". */
function localDescendingPath(c: Causes, field: string, path: string): void {
  if (path.startsWith('/')) c.add(field, `Invalid value: ${JSON.stringify(path)}: must be a relative path`);
  if (path.split('/').includes('..')) c.add(field, `Invalid value: ${JSON.stringify(path)}: must not contain '..'`);
}

function profile(c: Causes, path: string, p: { type: string; localhostProfile?: string } | undefined, what: 'seccomp' | 'AppArmor'): void {
  if (!p) return;
  const field = what === 'seccomp' ? 'seccompProfile' : 'appArmorProfile';
  if (!p.type) {
    c.add(`${path}.type`, `Required value: type is required when ${field} is set`);
    return;
  }
  c.notSupported(`${path}.type`, p.type, PROFILE_TYPES);
  if (p.type === 'Localhost') {
    if (!p.localhostProfile) c.add(`${path}.localhostProfile`, `Required value: must be set when ${what} type is Localhost`);
    else if (what === 'seccomp') localDescendingPath(c, `${path}.localhostProfile`, p.localhostProfile);
  } else if (p.localhostProfile !== undefined) {
    c.add(`${path}.localhostProfile`, `Invalid value: ${JSON.stringify(p.localhostProfile)}: can only be set when ${what} type is Localhost`);
  }
}

export function validatePodSecurityContext(c: Causes, path: string, sc: PodSecurityContext | undefined): void {
  if (!sc) return;
  profile(c, `${path}.seccompProfile`, sc.seccompProfile, 'seccomp');
  profile(c, `${path}.appArmorProfile`, sc.appArmorProfile, 'AppArmor');
  const seen = new Set<string>();
  sc.sysctls.forEach((s, i) => {
    const field = `${path}.sysctls[${i}].name`;
    if (!c.required(field, s.name)) return;
    if (s.name.length > SYSCTL_MAX_LENGTH || !SYSCTL_NAME.test(s.name)) c.add(field, `Invalid value: ${JSON.stringify(s.name)}: sysctl ${JSON.stringify(s.name)} not of the format sysctl_name`);
    if (seen.has(s.name)) c.add(field, `Duplicate value: ${JSON.stringify(s.name)}`);
    seen.add(s.name);
  });
}

export function validateContainerSecurityContext(c: Causes, path: string, ct: Container): void {
  const sc: SecurityContext | undefined = ct.securityContext;
  if (!sc) return;
  profile(c, `${path}.seccompProfile`, sc.seccompProfile, 'seccomp');
  profile(c, `${path}.appArmorProfile`, sc.appArmorProfile, 'AppArmor');
  if (sc.procMount !== undefined) c.notSupported(`${path}.procMount`, sc.procMount, PROC_MOUNT_TYPES);
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged) c.add(path, 'Invalid value: cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
    if (sc.capabilities?.add.includes('SYS_ADMIN') || sc.capabilities?.add.includes('CAP_SYS_ADMIN')) {
      c.add(path, 'Invalid value: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN');
    }
  }
}
