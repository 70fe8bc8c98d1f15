import assert from 'node:assert/strict';
import { Container, Pod, PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import { containerHash } from '../../../../services/kubelet/runtime/container-hash';
import { containerCreateOptions, literalEnv, podHostname, sandboxCreateOptions } from '../../../../services/kubelet/runtime/docker-config';
import { LABEL } from '../../../../services/kubelet/runtime/labels';

function pod(spec: Partial<PodSpec> = {}): Pod {
  return Pod.fromPartial({ metadata: { name: 'web-1', namespace: 'prod', uid: 'u-1' }, spec: PodSpec.fromPartial({ terminationGracePeriodSeconds: 30, ...spec }) });
}

function create(container: Partial<Container>, p = pod()) {
  return containerCreateOptions({
    node: 'n1',
    pod: p,
    container: Container.fromPartial({ name: 'app', image: 'nginx', ...container }),
    sandboxId: 'sb1',
    env: [{ name: 'A', value: '1' }],
    binds: [{ hostPath: '/h', containerPath: '/c', readOnly: true }],
    restartCount: 2,
  });
}

describe('kubelet/runtime docker-config', () => {
  describe('command and args', () => {
    it('keeps the image ENTRYPOINT and CMD when neither is given', () => {
      const o = create({});
      assert.equal(o.Entrypoint, undefined);
      assert.equal(o.Cmd, undefined);
    });

    it('replaces ENTRYPOINT with command (and so drops the image CMD)', () => {
      const o = create({ command: ['sleep', '5'] });
      assert.deepEqual(o.Entrypoint, ['sleep', '5']);
      assert.equal(o.Cmd, undefined);
    });

    it('expands $(VAR) in command and args from the container environment, as the kubelet does', () => {
      const o = containerCreateOptions({
        node: 'n1',
        pod: pod(),
        container: Container.fromPartial({ name: 'app', image: 'nginx', command: ['proxy', '--node-name=$(NODE_NAME)'], args: ['$(NODE_NAME)', '$(MISSING)', '$$(NODE_NAME)'] }),
        sandboxId: 'sb1',
        env: [{ name: 'NODE_NAME', value: 'worker-1' }],
        binds: [],
        restartCount: 0,
      });
      assert.deepEqual(o.Entrypoint, ['proxy', '--node-name=worker-1']);
      assert.deepEqual(o.Cmd, ['worker-1', '$(MISSING)', '$(NODE_NAME)']);
    });

    it('replaces CMD with args, keeping ENTRYPOINT', () => {
      const o = create({ args: ['-g', 'daemon off;'] });
      assert.equal(o.Entrypoint, undefined);
      assert.deepEqual(o.Cmd, ['-g', 'daemon off;']);
    });

    it('uses both when both are given', () => {
      const o = create({ command: ['sh', '-c'], args: ['echo hi'] });
      assert.deepEqual([o.Entrypoint, o.Cmd], [['sh', '-c'], ['echo hi']]);
    });
  });

  it('joins the sandbox namespaces and carries env, binds, image, name and labels', () => {
    const c = Container.fromPartial({ name: 'app', image: 'nginx', workingDir: '/srv' });
    const o = create({ workingDir: '/srv' });
    assert.equal(o.HostConfig?.NetworkMode, 'container:sb1');
    assert.equal(o.HostConfig?.IpcMode, 'container:sb1');
    assert.deepEqual(o.Env, ['A=1']);
    assert.deepEqual(o.HostConfig?.Binds, ['/h:/c:ro']);
    assert.equal(o.Image, 'nginx:latest');
    assert.equal(o.WorkingDir, '/srv');
    assert.equal(o.name, 'kite_app_web-1_prod_u-1_2');
    assert.deepEqual(o.Labels, {
      [LABEL.node]: 'n1',
      [LABEL.podNamespace]: 'prod',
      [LABEL.podName]: 'web-1',
      [LABEL.podUid]: 'u-1',
      [LABEL.containerName]: 'app',
      [LABEL.sandbox]: 'false',
      [LABEL.restartCount]: '2',
      [LABEL.containerHash]: containerHash(c),
      [LABEL.terminationGracePeriod]: '30',
    });
  });

  it('maps limits to NanoCpus and Memory, and the cpu request (or limit) to shares', () => {
    const o = create({ resources: { limits: { cpu: '1.5', memory: '128Mi' }, requests: { cpu: '100m' } } });
    assert.equal(o.HostConfig?.NanoCpus, 1_500_000_000);
    assert.equal(o.HostConfig?.Memory, 134_217_728);
    assert.equal(o.HostConfig?.MemorySwap, 134_217_728);
    assert.equal(o.HostConfig?.CpuShares, 102);
    assert.equal(create({ resources: { limits: { cpu: '2' }, requests: {} } }).HostConfig?.CpuShares, 2048);
    assert.equal(create({ resources: { limits: {}, requests: { cpu: '1m' } } }).HostConfig?.CpuShares, 2);
    const none = create({});
    assert.equal(none.HostConfig?.NanoCpus, undefined);
    assert.equal(none.HostConfig?.Memory, undefined);
  });

  it('runs as the container user, else the pod user', () => {
    assert.equal(create({ securityContext: { runAsUser: 1000, runAsGroup: 2000 } }).User, '1000:2000');
    assert.equal(create({}, pod({ securityContext: { runAsUser: 33, supplementalGroups: [], sysctls: [] } })).User, '33');
    assert.equal(create({}).User, undefined);
  });

  it('gives the sandbox the pause image, the pod hostname, the network and the host ports', () => {
    const p = pod({
      containers: [Container.fromPartial({ name: 'app', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP', hostIP: '' }, { containerPort: 81, hostPort: 0, protocol: 'TCP', hostIP: '' }] })],
    });
    const o = sandboxCreateOptions({ node: 'n1', pod: p, pauseImage: 'kite/pause:3.9', options: { network: 'pods', attempt: 1 } });
    assert.equal(o.Image, 'kite/pause:3.9');
    assert.equal(o.Hostname, 'web-1');
    assert.equal(o.name, 'kite_POD_web-1_prod_u-1_1');
    assert.equal(o.HostConfig?.NetworkMode, 'pods');
    assert.equal(o.HostConfig?.IpcMode, 'shareable');
    assert.deepEqual(o.HostConfig?.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    assert.equal(o.Labels?.[LABEL.sandbox], 'true');
    assert.equal(o.Labels?.[LABEL.containerName], 'POD');
  });

  it('puts hostNetwork sandboxes on the host network with no hostname or port bindings', () => {
    const p = pod({ hostNetwork: true, containers: [Container.fromPartial({ ports: [{ containerPort: 80, hostPort: 80, protocol: 'TCP', hostIP: '' }] })] });
    const o = sandboxCreateOptions({ node: 'n1', pod: p, pauseImage: 'p', options: { network: 'pods' } });
    assert.equal(o.HostConfig?.NetworkMode, 'host');
    assert.equal(o.Hostname, undefined);
    assert.deepEqual(o.HostConfig?.PortBindings, {});
  });

  it('takes spec.hostname, truncated to 63 characters', () => {
    assert.equal(podHostname(pod({ hostname: 'custom' })), 'custom');
    const long = Pod.fromPartial({ metadata: { name: `${'a'.repeat(62)}-b` } });
    assert.equal(podHostname(long), 'a'.repeat(62));
  });

  it('uses only literal env values by default', () => {
    const c = Container.fromPartial({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '', valueFrom: { fieldRef: { fieldPath: 'status.podIP', apiVersion: 'v1' } } }] });
    assert.deepEqual(literalEnv(c), [{ name: 'A', value: '1' }]);
  });

  describe('security context', () => {
    const sc = (securityContext: Record<string, unknown>, podSc: Record<string, unknown> = {}) =>
      create({ securityContext } as Partial<Container>, pod({ securityContext: { supplementalGroups: [], sysctls: [], ...podSc } }));

    it('keeps Docker\'s default seccomp and AppArmor profiles when none is set or RuntimeDefault is asked for', () => {
      assert.deepEqual(create({}).HostConfig?.SecurityOpt, []);
      assert.deepEqual(sc({ seccompProfile: { type: 'RuntimeDefault' }, appArmorProfile: { type: 'RuntimeDefault' } }).HostConfig?.SecurityOpt, []);
    });

    it('maps Unconfined and Localhost profiles, the container\'s over the pod\'s', () => {
      assert.deepEqual(sc({}, { seccompProfile: { type: 'Unconfined' }, appArmorProfile: { type: 'Unconfined' } }).HostConfig?.SecurityOpt, ['seccomp=unconfined', 'apparmor=unconfined']);
      assert.deepEqual(sc({ seccompProfile: { type: 'RuntimeDefault' } }, { seccompProfile: { type: 'Unconfined' } }).HostConfig?.SecurityOpt, []);
      assert.deepEqual(sc({ appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' } }).HostConfig?.SecurityOpt, ['apparmor=k8s-nginx']);
      const json = '{"defaultAction":"SCMP_ACT_LOG"}';
      const o = containerCreateOptions({
        node: 'n1',
        pod: pod(),
        container: Container.fromPartial({ name: 'app', image: 'nginx', securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'audit.json' } } }),
        sandboxId: 'sb1',
        env: [],
        binds: [],
        restartCount: 0,
        localhostSeccompProfile: json,
      });
      assert.deepEqual(o.HostConfig?.SecurityOpt, [`seccomp=${json}`]);
      assert.throws(() => sc({ seccompProfile: { type: 'Localhost', localhostProfile: 'audit.json' } }), /Localhost seccomp profile "audit.json" was not loaded/);
    });

    it('maps SELinux options, no privilege escalation, capabilities, user, read-only root and an unmasked /proc', () => {
      const o = sc(
        { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsUser: 101, runAsGroup: 101, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, procMount: 'Unmasked' },
        { seLinuxOptions: { user: 'system_u', role: '', type: 'container_t', level: 's0:c1,c2' } },
      );
      assert.deepEqual(o.HostConfig?.SecurityOpt, ['label=user:system_u', 'label=type:container_t', 'label=level:s0:c1,c2', 'no-new-privileges']);
      assert.equal(o.HostConfig?.ReadonlyRootfs, true);
      assert.deepEqual(o.HostConfig?.CapDrop, ['ALL']);
      assert.deepEqual(o.HostConfig?.CapAdd, ['NET_BIND_SERVICE']);
      assert.equal(o.User, '101:101');
      assert.deepEqual(o.HostConfig?.MaskedPaths, []);
      assert.deepEqual(o.HostConfig?.ReadonlyPaths, []);
      assert.equal(create({}).HostConfig?.MaskedPaths, undefined, 'the runtime\'s default masks otherwise');
    });

    it('gives the pod\'s sysctls to the sandbox, whose namespaces the containers share', () => {
      const p = pod({ securityContext: { supplementalGroups: [], sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] } });
      assert.deepEqual(sandboxCreateOptions({ node: 'n1', pod: p, pauseImage: 'p', options: { network: 'pods' } }).HostConfig?.Sysctls, { 'net.ipv4.ip_unprivileged_port_start': '0' });
      assert.equal(sandboxCreateOptions({ node: 'n1', pod: pod(), pauseImage: 'p', options: { network: 'pods' } }).HostConfig?.Sysctls, undefined);
    });
  });
});
