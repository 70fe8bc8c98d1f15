// Validation of security contexts with Kubernetes' field paths and messages: profile types,
// Localhost profile paths, /proc mount types, sysctl names and contradictory privilege settings.
import assert from 'node:assert/strict';
import { Pod, type PodSpec, type SecurityContext } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { validatePod } from '../../../../../services/apiserver/registry/validation/validation';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function causes(podSc: DeepPartial<PodSpec['securityContext']>, containerSc: DeepPartial<SecurityContext> = {}): string[] {
  const pod = Pod.fromPartial({
    metadata: { name: 'web', namespace: 'default' },
    spec: { securityContext: podSc as PodSpec['securityContext'], containers: [{ name: 'web', image: 'nginx:1.22', securityContext: containerSc as SecurityContext }] },
  });
  defaultPod(pod, DEFAULT_DEFAULTING);
  return validatePod(pod).map((c) => `${c.field}: ${c.message}`);
}

describe('apiserver admission: security context validation', () => {
  it('accepts the profiles and settings of a restricted pod', () => {
    assert.deepEqual(causes({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] }, {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' },
      appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' },
      procMount: 'Default',
    }), []);
  });

  it('refuses unknown profile types and misplaced or escaping Localhost profiles', () => {
    assert.deepEqual(causes({ seccompProfile: { type: 'runtime/default' } }), [
      'spec.securityContext.seccompProfile.type: Unsupported value: "runtime/default": supported values: "Localhost", "RuntimeDefault", "Unconfined"',
    ]);
    assert.deepEqual(causes({}, { seccompProfile: { type: 'Localhost', localhostProfile: '../../etc/x.json' }, appArmorProfile: { type: 'Localhost' } }), [
      'spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: "../../etc/x.json": must not contain \'..\'',
      'spec.containers[0].securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost',
    ]);
    assert.deepEqual(causes({ appArmorProfile: { type: 'RuntimeDefault', localhostProfile: 'p' }, seccompProfile: { type: 'Localhost', localhostProfile: '/abs.json' } }), [
      'spec.securityContext.seccompProfile.localhostProfile: Invalid value: "/abs.json": must be a relative path',
      'spec.securityContext.appArmorProfile.localhostProfile: Invalid value: "p": can only be set when AppArmor type is Localhost',
    ]);
    assert.deepEqual(causes({ seccompProfile: { type: '' } }), ['spec.securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set']);
  });

  it('refuses unknown /proc mount types, bad sysctl names and contradictory privileges', () => {
    assert.deepEqual(causes({ sysctls: [{ name: 'Net.Bad Name', value: '1' }, { name: 'kernel.msgmax', value: '1' }, { name: 'kernel.msgmax', value: '2' }] }, { procMount: 'Raw', privileged: true, allowPrivilegeEscalation: false }), [
      'spec.securityContext.sysctls[0].name: Invalid value: "Net.Bad Name": sysctl "Net.Bad Name" not of the format sysctl_name',
      'spec.securityContext.sysctls[2].name: Duplicate value: "kernel.msgmax"',
      'spec.containers[0].securityContext.procMount: Unsupported value: "Raw": supported values: "Default", "Unmasked"',
      'spec.containers[0].securityContext: Invalid value: cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
    ]);
  });
});
