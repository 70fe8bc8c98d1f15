// The Pod Security Standards checks, table-driven: each case is a pod and the exact message
// Kubernetes' pod-security-admission prints for it at a level (its check_*_test.go cases and
// their wording), or "" when the pod passes.
import assert from 'node:assert/strict';
import { Pod, type PodSpec } from '../../../../../lib/gen/kite/core/v1/types';
import { evaluatePod, forbiddenDetail, type Level } from '../../../../../services/apiserver/admission/pod-security';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A restricted-compliant container; cases override what they test. */
const good = { name: 'c', image: 'nginx:1.22', securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } } };

function message(level: Level, spec: DeepPartial<PodSpec>, annotations: Record<string, string> = {}): string {
  const pod = Pod.fromPartial({ metadata: { name: 'p', annotations }, spec: spec as PodSpec });
  const e = evaluatePod(level, pod.metadata, pod.spec!);
  assert.equal(e.allowed, e.failures.length === 0);
  return forbiddenDetail(e);
}

interface Case {
  name: string;
  level: Level;
  spec: DeepPartial<PodSpec>;
  annotations?: Record<string, string>;
  want: string;
}

const cases: Case[] = [
  { name: 'privileged allows anything', level: 'privileged', spec: { hostPID: true, containers: [{ name: 'c', securityContext: { privileged: true } }] }, want: '' },
  { name: 'an ordinary pod is baseline', level: 'baseline', spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] }, want: '' },
  {
    name: 'root on the node: privileged, hostPID and hostPath /',
    level: 'baseline',
    spec: { hostPID: true, volumes: [{ name: 'root', hostPath: { path: '/' } }], containers: [{ name: 'c', securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }] },
    want: 'host namespaces (hostPID=true), privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "root")',
  },
  { name: 'every host namespace', level: 'baseline', spec: { hostNetwork: true, hostPID: true, hostIPC: true, containers: [good] }, want: 'host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)' },
  {
    name: 'privileged init and app containers',
    level: 'baseline',
    spec: { initContainers: [{ name: 'init', securityContext: { privileged: true } }], containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b', securityContext: { privileged: false } }] },
    want: 'privileged (containers "init", "a" must not set securityContext.privileged=true)',
  },
  {
    name: 'capabilities beyond the default set',
    level: 'baseline',
    spec: { containers: [{ name: 'a', securityContext: { capabilities: { add: ['NET_RAW', 'CHOWN'] } } }, { name: 'b', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] },
    want: 'non-default capabilities (containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  { name: 'default-set capabilities are baseline', level: 'baseline', spec: { containers: [{ name: 'a', securityContext: { capabilities: { add: ['CHOWN', 'NET_BIND_SERVICE', 'KILL'] } } }] }, want: '' },
  {
    name: 'host ports',
    level: 'baseline',
    spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 80 }] }, { name: 'b', ports: [{ containerPort: 90 }] }] },
    want: 'hostPort (container "a" uses hostPorts 80, 8080)',
  },
  {
    name: 'probe and lifecycle hosts',
    level: 'baseline',
    spec: { containers: [{ name: 'b', livenessProbe: { httpGet: { host: '169.254.169.254', port: 80 } } }, { name: 'a', lifecycle: { preStop: { tcpSocket: { host: '10.0.0.1', port: 22 } } } }] },
    want: 'probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "169.254.169.254")',
  },
  {
    name: 'AppArmor Unconfined on the pod and a container, and an annotation',
    level: 'baseline',
    spec: { securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [{ name: 'c', securityContext: { appArmorProfile: { type: 'Unconfined' } } }, { name: 'd', securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } } }] },
    annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined', 'container.apparmor.security.beta.kubernetes.io/d': 'runtime/default' },
    want:
      'forbidden AppArmor profiles (pod and container "c" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/c="unconfined"")',
  },
  { name: 'AppArmor RuntimeDefault is baseline', level: 'baseline', spec: { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c' }] }, want: '' },
  {
    name: 'SELinux type, user and role',
    level: 'baseline',
    spec: { securityContext: { seLinuxOptions: { type: 'spc_t' } }, containers: [{ name: 'c', securityContext: { seLinuxOptions: { user: 'u', role: 'r' } } }, { name: 'd', securityContext: { seLinuxOptions: { type: 'container_t', level: 's0:c1' } } }] },
    want: 'seLinuxOptions (pod and container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set)',
  },
  { name: 'an unmasked /proc', level: 'baseline', spec: { containers: [{ name: 'c', securityContext: { procMount: 'Unmasked' } }, { name: 'd', securityContext: { procMount: 'Default' } }] }, want: 'procMount (container "c" must not set securityContext.procMount to "Unmasked")' },
  {
    name: 'seccomp Unconfined',
    level: 'baseline',
    spec: { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'c', securityContext: { seccompProfile: { type: 'Unconfined' } } }, { name: 'd', securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }] },
    want: 'seccompProfile (pod and container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  { name: 'unset seccomp is baseline', level: 'baseline', spec: { containers: [{ name: 'c' }] }, want: '' },
  {
    name: 'unsafe sysctls',
    level: 'baseline',
    spec: { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'net.core.somaxconn', value: '1024' }] }, containers: [{ name: 'c' }] },
    want: 'forbidden sysctls (kernel.msgmax, net.core.somaxconn)',
  },
  {
    name: 'Windows hostProcess',
    level: 'baseline',
    spec: { securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: 'c', securityContext: { windowsOptions: { hostProcess: true } } }] },
    want: 'hostProcess (pod and container "c" must not set securityContext.windowsOptions.hostProcess=true)',
  },
  { name: 'a compliant pod is restricted', level: 'restricted', spec: { volumes: [{ name: 'scratch', emptyDir: {} }], containers: [good] }, want: '' },
  {
    name: 'pod-level runAsNonRoot and seccomp cover the containers; NET_BIND_SERVICE may be added',
    level: 'restricted',
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } },
      containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
    },
    want: '',
  },
  {
    name: 'an ordinary pod fails the restricted checks, in Kubernetes\' order',
    level: 'restricted',
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.22' }] },
    want:
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  {
    name: 'baseline failures come first, and hostPath is a restricted volume type',
    level: 'restricted',
    spec: { hostPID: true, volumes: [{ name: 'root', hostPath: { path: '/' } }], containers: [{ ...good, securityContext: { ...good.securityContext, privileged: true } }] },
    want:
      'host namespaces (hostPID=true), privileged (container "c" must not set securityContext.privileged=true), ' +
      'restricted volume types (volume "root" uses restricted volume type "hostPath")',
  },
  {
    name: 'explicit false and root',
    level: 'restricted',
    spec: {
      securityContext: { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: true, runAsNonRoot: false, runAsUser: 0, capabilities: { drop: ['ALL'], add: ['SYS_TIME', 'NET_BIND_SERVICE'] } } }],
    },
    want:
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add), ' +
      'runAsNonRoot != true (pod and container "c" must not set securityContext.runAsNonRoot=false), ' +
      'runAsUser=0 (pod and container "c" must not set runAsUser=0)',
  },
  {
    name: 'seccomp Unconfined on a container beside a pod-level RuntimeDefault',
    level: 'restricted',
    spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ ...good, securityContext: { ...good.securityContext, seccompProfile: { type: 'Unconfined' } } }] },
    want: 'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  {
    name: 'configMap, secret, downwardAPI, projected and emptyDir volumes are allowed',
    level: 'restricted',
    spec: {
      volumes: [
        { name: 'a', configMap: { name: 'c' } },
        { name: 'b', secret: { secretName: 's' } },
        { name: 'c', downwardAPI: {} },
        { name: 'd', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
        { name: 'e', emptyDir: {} },
      ],
      containers: [good],
    },
    want: '',
  },
  {
    name: 'a volume with no source is of unknown type',
    level: 'restricted',
    spec: { volumes: [{ name: 'a' }, { name: 'b', hostPath: { path: '/tmp' } }], containers: [good] },
    want: 'restricted volume types (volumes "a", "b" use restricted volume types "hostPath", "unknown")',
  },
];

describe('apiserver admission: Pod Security Standards checks', () => {
  for (const c of cases) {
    it(`${c.level}: ${c.name}`, () => assert.equal(message(c.level, c.spec, c.annotations), c.want));
  }

  it('baseline does not run the restricted checks, restricted replaces the overlapping baseline ones', () => {
    const caps = { containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] };
    assert.equal(message('baseline', caps), 'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)');
    assert.match(message('restricted', caps), /unrestricted capabilities \(container "c" must set securityContext.capabilities.drop=\["ALL"\]; container "c" must not include "SYS_ADMIN"/);
    assert.doesNotMatch(message('restricted', caps), /non-default capabilities/);
  });
});
