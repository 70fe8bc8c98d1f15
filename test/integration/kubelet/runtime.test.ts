// The Docker runtime against the real engine and the locally built images: sandboxes and pod IPs,
// containers sharing a pod's network, exit codes, graceful stop, labels, limits and volumes.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerHash } from '../../../services/kubelet/runtime/container-hash';
import { DockerRuntime } from '../../../services/kubelet/runtime/docker-runtime';
import { LABEL } from '../../../services/kubelet/runtime/labels';
import type { RuntimeContainer } from '../../../services/kubelet/runtime/types';
import { runtimeFixture, testPod, uniqueName, type RuntimeFixture } from '../../support/docker';
import { ensureTestImages, IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { readAll } from '../../support/streams';
import { VolumeManager } from '../../../services/kubelet/volumes/volume-manager';

const BUSYBOX = TEST_IMAGES.busybox;

function ipInSubnet(ip: string, subnet: string): boolean {
  const [base] = subnet.split('/');
  return ip.split('.').slice(0, 3).join('.') === base.split('.').slice(0, 3).join('.');
}

async function httpGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.text();
}

describe('kubelet runtime on Docker', function () {
  this.timeout(60_000);
  let fx: RuntimeFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    await ensureTestImages();
    fx = await runtimeFixture('rt');
  });

  after(async () => {
    await fx?.cleanup();
  });

  /** Starts a sandbox and the pod's containers, returning their ids in spec order. */
  async function runPod(pod: ReturnType<typeof testPod>, restartCount = 0): Promise<{ sandboxId: string; ip: string; ids: string[] }> {
    const sandbox = await fx.runtime.runPodSandbox(pod, { network: fx.network });
    // The kubelet's volume manager prepares the binds; the runtime only receives them.
    const volumes = new VolumeManager({ rootDir: fx.rootDir, nodeAllocatable: () => ({}) });
    await volumes.setUpPod(pod);
    const ids: string[] = [];
    for (const c of pod.spec!.containers) {
      const id = await fx.runtime.createContainer(sandbox.id, pod, c, { restartCount, mounts: await volumes.containerMounts(pod, c, []) });
      await fx.runtime.startContainer(id);
      ids.push(id);
    }
    return { sandboxId: sandbox.id, ip: sandbox.ip, ids };
  }

  async function exited(id: string): Promise<RuntimeContainer> {
    return waitFor(`container ${id} to exit`, async () => {
      const c = await fx.runtime.inspectContainer(id);
      return c.state === 'exited' ? c : undefined;
    });
  }

  async function execOutput(id: string, command: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const session = await fx.runtime.exec(id, command);
    const [stdout, stderr, exitCode] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
    return { stdout, stderr, exitCode };
  }

  it('gives the sandbox a pod IP in the node subnet, where nginx answers HTTP with the pod name as host', async () => {
    const name = uniqueName('web');
    const pod = testPod(name, [{ name: 'nginx', image: 'nginx' }]);
    const { ip } = await runPod(pod);
    assert.ok(ipInSubnet(ip, fx.subnet), `pod IP ${ip} is not in ${fx.subnet}`);
    const body = await waitFor('nginx to answer', () => httpGet(`http://${ip}/`), 10_000, 100);
    assert.match(body, /Welcome to nginx!/);
    assert.match(body, new RegExp(`Served by <b>${name}</b>`));
  });

  it('lets the containers of one pod reach each other on localhost', async () => {
    const pod = testPod(uniqueName('pair'), [
      { name: 'web', image: 'nginx:1.22' },
      { name: 'client', image: BUSYBOX, command: ['sleep', '1000'] },
    ]);
    const { ids } = await runPod(pod);
    const out = await waitFor('nginx on localhost', async () => {
      const r = await execOutput(ids[1], ['wget', '-qO-', 'http://127.0.0.1/']);
      return r.exitCode === 0 ? r.stdout : undefined;
    });
    assert.match(out, /Welcome to nginx!/);
  });

  it('reports the exit code, reason and times of a container that exits 1', async () => {
    const pod = testPod(uniqueName('crash'), [{ name: 'fail', image: BUSYBOX, command: ['sh', '-c', 'exit 1'] }]);
    const { ids } = await runPod(pod);
    const c = await exited(ids[0]);
    assert.equal(c.exitCode, 1);
    assert.equal(c.reason, 'Error');
    assert.equal(c.oomKilled, false);
    assert.ok(c.startedAt && c.finishedAt && Date.parse(c.finishedAt) >= Date.parse(c.startedAt));
  });

  it('kills a container that ignores SIGTERM once the grace period is over', async () => {
    const pod = testPod(uniqueName('stubborn'), [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', "trap '' TERM; sleep 1000 & wait"] }]);
    const { ids } = await runPod(pod);
    const grace = 2;
    const started = Date.now();
    await fx.runtime.stopContainer(ids[0], grace);
    const took = Date.now() - started;
    assert.ok(took >= grace * 1000, `stopped after ${took} ms, before the ${grace} s grace period`);
    const c = await fx.runtime.inspectContainer(ids[0]);
    assert.equal(c.state, 'exited');
    assert.equal(c.exitCode, 137);
  });

  it('stops a container that handles SIGTERM without waiting for the grace period', async () => {
    const pod = testPod(uniqueName('polite'), [{ name: 'main', image: BUSYBOX, command: ['sh', '-c', "trap 'exit 0' TERM; sleep 1000 & wait"] }]);
    const { ids } = await runPod(pod);
    const started = Date.now();
    await fx.runtime.stopContainer(ids[0], 30);
    const took = Date.now() - started;
    assert.ok(took < 5000, `took ${took} ms for a container that exits on SIGTERM`);
    const c = await fx.runtime.inspectContainer(ids[0]);
    assert.equal(c.exitCode, 0);
    assert.equal(c.reason, 'Completed');
  });

  it('rebuilds every pod from labels alone, as a restarted kubelet must', async () => {
    const pod = testPod(uniqueName('adopt'), [
      { name: 'web', image: 'nginx:1.22' },
      { name: 'done', image: BUSYBOX, command: ['true'] },
    ], { terminationGracePeriodSeconds: 7 });
    const { sandboxId, ip, ids } = await runPod(pod, 3);
    await exited(ids[1]);

    // A fresh runtime object knows nothing but the node name, like a kubelet after a restart.
    const restarted = new DockerRuntime({ docker: fx.docker, nodeName: fx.node, rootDir: fx.rootDir });
    const state = (await restarted.listPodContainers()).find((p) => p.uid === pod.metadata!.uid);
    assert.ok(state, 'pod not found from labels');
    assert.equal(state.name, pod.metadata!.name);
    assert.equal(state.namespace, 'default');
    assert.deepEqual(state.sandboxes.map((s) => [s.id, s.state, s.ip, s.sandbox]), [[sandboxId, 'running', ip, true]]);
    const byName = new Map(state.containers.map((c) => [c.name, c]));
    const web = byName.get('web')!;
    assert.equal(web.id, ids[0]);
    assert.equal(web.state, 'running');
    assert.equal(web.hash, containerHash(pod.spec!.containers[0]));
    assert.equal(web.restartCount, 3);
    assert.equal(web.terminationGracePeriodSeconds, 7);
    assert.ok(web.startedAt);
    const done = byName.get('done')!;
    assert.equal(done.id, ids[1]);
    assert.equal(done.state, 'exited');
    assert.equal(done.exitCode, 0);

    // Other nodes' containers are not this node's business.
    const other = new DockerRuntime({ docker: fx.docker, nodeName: uniqueName('other'), rootDir: fx.rootDir });
    assert.deepEqual(await other.listPodContainers(), []);
  });

  it('labels every container with the pod, container, node and sandbox flag', async () => {
    const pod = testPod(uniqueName('labels'), [{ name: 'app', image: BUSYBOX, command: ['sleep', '1000'] }]);
    const { sandboxId, ids } = await runPod(pod);
    const sandbox = await fx.docker.getContainer(sandboxId).inspect();
    const app = await fx.docker.getContainer(ids[0]).inspect();
    for (const [info, containerName, isSandbox] of [[sandbox, 'POD', 'true'], [app, 'app', 'false']] as const) {
      const labels = info.Config.Labels;
      assert.equal(labels[LABEL.podNamespace], 'default');
      assert.equal(labels[LABEL.podName], pod.metadata!.name);
      assert.equal(labels[LABEL.podUid], pod.metadata!.uid);
      assert.equal(labels[LABEL.containerName], containerName);
      assert.equal(labels[LABEL.sandbox], isSandbox);
      assert.equal(labels[LABEL.node], fx.node);
      assert.equal(labels[LABEL.restartCount], '0');
    }
    assert.equal(app.HostConfig.NetworkMode, `container:${sandboxId}`);
    assert.equal(sandbox.Config.Image, TEST_IMAGES.pause);
  });

  it('maps command, args, env and workingDir as Kubernetes does', async () => {
    const pod = testPod(uniqueName('cmd'), [
      {
        name: 'main',
        image: BUSYBOX,
        command: ['sh', '-c'],
        args: ['echo "$GREETING from $(pwd) as $0"', 'arg0'],
        env: [{ name: 'GREETING', value: 'hello' }],
        workingDir: '/tmp',
      },
      // args alone replace the image's CMD (busybox's is "sh").
      { name: 'args-only', image: BUSYBOX, args: ['echo', 'only args'] },
    ]);
    const { ids } = await runPod(pod);
    await exited(ids[0]);
    await exited(ids[1]);
    const lines = async (id: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const l of fx.runtime.logs(id)) out.push(l.line);
      return out;
    };
    assert.deepEqual(await lines(ids[0]), ['hello from /tmp as arg0']);
    assert.deepEqual(await lines(ids[1]), ['only args']);
  });

  it('applies cpu and memory limits and requests to the container', async () => {
    const pod = testPod(uniqueName('limits'), [
      {
        name: 'main',
        image: BUSYBOX,
        command: ['sleep', '1000'],
        resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } },
      },
    ]);
    const { ids } = await runPod(pod);
    const info = await fx.docker.getContainer(ids[0]).inspect();
    assert.equal(info.HostConfig.NanoCpus, 500_000_000);
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(info.HostConfig.CpuShares, 256);
    const cgroupLimit = await execOutput(ids[0], ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
    if (cgroupLimit.exitCode === 0) assert.equal(cgroupLimit.stdout.trim(), String(64 * 1024 * 1024));
  });

  it('applies security contexts: seccomp RuntimeDefault, Unconfined and Localhost, no-new-privileges, dropped capabilities, read-only root', async () => {
    mkdirSync(join(fx.rootDir, 'seccomp'), { recursive: true });
    writeFileSync(join(fx.rootDir, 'seccomp', 'no-mkdir.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    const sleeper = { image: BUSYBOX, command: ['sleep', '1000'] };
    const pod = testPod(
      uniqueName('secctx'),
      [
        { ...sleeper, name: 'default' },
        { ...sleeper, name: 'unconfined', securityContext: { seccompProfile: { type: 'Unconfined' } } },
        { ...sleeper, name: 'localhost', securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'no-mkdir.json' } } },
        { ...sleeper, name: 'locked', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: [] } } },
      ],
      { securityContext: { seccompProfile: { type: 'RuntimeDefault' }, supplementalGroups: [], sysctls: [] } },
    );
    const { ids } = await runPod(pod);
    const status = async (id: string) => (await execOutput(id, ['cat', '/proc/self/status'])).stdout;
    assert.match(await status(ids[0]), /^Seccomp:\s+2$/m, 'RuntimeDefault: Docker\'s default filter');
    assert.match(await status(ids[1]), /^Seccomp:\s+0$/m, 'Unconfined: no filter');
    assert.notEqual((await execOutput(ids[2], ['mkdir', '/tmp/x'])).exitCode, 0, 'the Localhost profile refuses mkdir');
    assert.equal((await execOutput(ids[0], ['mkdir', '/tmp/x'])).exitCode, 0);
    const locked = await status(ids[3]);
    assert.match(locked, /^NoNewPrivs:\s+1$/m);
    assert.match(locked, /^CapEff:\s+0+$/m);
    assert.notEqual((await execOutput(ids[3], ['touch', '/x'])).exitCode, 0, 'the root filesystem is read-only');
  });

  it('shares an emptyDir between containers and mounts a hostPath read-only', async () => {
    const hostDir = join(fx.rootDir, 'host-data');
    const pod = testPod(
      uniqueName('vols'),
      [
        {
          name: 'writer',
          image: BUSYBOX,
          command: ['sh', '-c', 'echo shared > /data/file; sleep 1000'],
          volumeMounts: [{ name: 'scratch', mountPath: '/data', readOnly: false, subPath: '', subPathExpr: '' }],
        },
        {
          name: 'reader',
          image: BUSYBOX,
          command: ['sleep', '1000'],
          volumeMounts: [
            { name: 'scratch', mountPath: '/shared', readOnly: false, subPath: '', subPathExpr: '' },
            { name: 'host', mountPath: '/host', readOnly: true, subPath: '', subPathExpr: '' },
          ],
        },
      ],
      {
        volumes: [
          { name: 'scratch', emptyDir: { medium: '', sizeLimit: '' } },
          { name: 'host', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
        ],
      },
    );
    const { ids } = await runPod(pod);
    writeFileSync(join(hostDir, 'greeting'), 'from the host\n');
    const shared = await waitFor('the writer to write', async () => {
      const r = await execOutput(ids[1], ['cat', '/shared/file']);
      return r.exitCode === 0 ? r.stdout : undefined;
    });
    assert.equal(shared, 'shared\n');
    assert.equal((await execOutput(ids[1], ['cat', '/host/greeting'])).stdout, 'from the host\n');
    const write = await execOutput(ids[1], ['sh', '-c', 'echo x > /host/nope']);
    assert.notEqual(write.exitCode, 0, 'the read-only hostPath accepted a write');
    assert.match(write.stderr, /Read-only file system/);

    await fx.runtime.removePodVolumes(pod.metadata!.uid);
  });

  it('puts hostNetwork pods in the host network namespace with the host IP', async () => {
    const pod = testPod(uniqueName('hostnet'), [{ name: 'main', image: BUSYBOX, command: ['sleep', '1000'] }], { hostNetwork: true });
    const sandbox = await fx.runtime.runPodSandbox(pod, { network: fx.network, hostIP: '192.0.2.10' });
    assert.equal(sandbox.ip, '192.0.2.10');
    const info = await fx.docker.getContainer(sandbox.id).inspect();
    assert.equal(info.HostConfig.NetworkMode, 'host');
  });

  it('keeps an existing pod network and refuses one with another subnet', async () => {
    await fx.runtime.ensurePodNetwork(fx.network, fx.subnet);
    await assert.rejects(fx.runtime.ensurePodNetwork(fx.network, '10.199.254.0/24'), /exists with subnet/);
  });

  it('removes sandboxes and containers, and treats missing ones as removed', async () => {
    const pod = testPod(uniqueName('gone'), [{ name: 'main', image: BUSYBOX, command: ['sleep', '1000'] }]);
    const { sandboxId, ids } = await runPod(pod);
    await fx.runtime.stopContainer(ids[0], 1);
    await fx.runtime.removeContainer(ids[0]);
    await fx.runtime.stopPodSandbox(sandboxId);
    await fx.runtime.removePodSandbox(sandboxId);
    await fx.runtime.removeContainer(ids[0]);
    await fx.runtime.stopContainer(ids[0], 1);
    const state = await fx.runtime.listPodContainers();
    assert.equal(state.find((p) => p.uid === pod.metadata!.uid), undefined);
  });
});
