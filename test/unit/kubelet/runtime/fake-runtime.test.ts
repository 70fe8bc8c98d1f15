import assert from 'node:assert/strict';
import { Container, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { containerHash } from '../../../../services/kubelet/runtime/container-hash';
import { ContainerNotFoundError, ImagePullError } from '../../../../services/kubelet/runtime/errors';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import { readAll } from '../../../support/streams';

const container = Container.fromPartial({ name: 'web', image: 'nginx' });
const pod = Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [container], terminationGracePeriodSeconds: 5 } });

describe('kubelet/runtime FakeRuntime', () => {
  let rt: FakeRuntime;

  beforeEach(async () => {
    rt = new FakeRuntime(['nginx']);
    await rt.ensurePodNetwork('pods', '10.9.0.0/24');
  });

  it('runs a pod through create, start, exit, stop and removal, and lists it by pod uid', async () => {
    const sandbox = await rt.runPodSandbox(pod, { network: 'pods' });
    assert.equal(sandbox.ip, '10.9.0.2');
    const id = await rt.createContainer(sandbox.id, pod, container, { restartCount: 1 });
    assert.equal((await rt.inspectContainer(id)).state, 'created');
    await rt.startContainer(id);
    rt.exit(id, 137, { oomKilled: true });
    const [state] = await rt.listPodContainers();
    assert.deepEqual([state.uid, state.name, state.namespace], ['u1', 'p', 'ns']);
    assert.equal(state.sandboxes[0].ip, '10.9.0.2');
    const c = state.containers[0];
    assert.deepEqual([c.state, c.exitCode, c.reason, c.restartCount, c.hash, c.terminationGracePeriodSeconds], ['exited', 137, 'OOMKilled', 1, containerHash(container), 5]);
    await rt.removeContainer(id);
    await rt.stopPodSandbox(sandbox.id);
    await rt.removePodSandbox(sandbox.id);
    assert.deepEqual(await rt.listPodContainers(), []);
    assert.deepEqual(rt.calls.map((x) => x.method), [
      'ensurePodNetwork', 'runPodSandbox', 'createContainer', 'inspectContainer', 'startContainer', 'listPodContainers',
      'removeContainer', 'stopPodSandbox', 'removePodSandbox', 'listPodContainers',
    ]);
  });

  it('creates a sandbox and its containers before starting it, as Docker: a container starts only once its sandbox runs, which gives the pod IP', async () => {
    const sandboxId = await rt.createPodSandbox(pod, { network: 'pods' });
    assert.deepEqual([(await rt.inspectContainer(sandboxId)).state, (await rt.inspectContainer(sandboxId)).ip], ['created', undefined]);
    const id = await rt.createContainer(sandboxId, pod, container);
    await assert.rejects(rt.startContainer(id), new RegExp(`cannot join network of a non running container: ${sandboxId}`));
    assert.deepEqual(await rt.startPodSandbox(sandboxId, pod, { network: 'pods' }), { id: sandboxId, ip: '10.9.0.2' });
    await rt.startContainer(id);
    assert.equal((await rt.inspectContainer(id)).state, 'running');
    rt.failNext.set('startPodSandbox', new Error('no network'));
    const broken = await rt.createPodSandbox(pod, { network: 'pods', attempt: 1 });
    await assert.rejects(rt.startPodSandbox(broken, pod, { network: 'pods' }), /no network/);
    await assert.rejects(rt.inspectContainer(broken), ContainerNotFoundError, 'a sandbox that fails to start is removed');
  });

  it('hands out copies, so callers cannot change its state', async () => {
    const sandbox = await rt.runPodSandbox(pod, { network: 'pods' });
    (await rt.inspectContainer(sandbox.id)).state = 'exited';
    assert.equal((await rt.inspectContainer(sandbox.id)).state, 'running');
  });

  it('needs the image locally to create, and pulls unless told the pull fails', async () => {
    const sandbox = await rt.runPodSandbox(pod, { network: 'pods' });
    const other = Container.fromPartial({ name: 'x', image: 'app:v1' });
    await assert.rejects(rt.createContainer(sandbox.id, pod, other), /No such image: app:v1/);
    assert.equal(await rt.imageExists('app:v1'), false);
    rt.pullFailures.set('broken:latest', 'no such host');
    await assert.rejects(rt.pullImage('broken'), (e: unknown) => e instanceof ImagePullError && e.reason === 'ErrImagePull' && /no such host/.test(e.message));
    await rt.pullImage('app:v1');
    assert.ok(await rt.createContainer(sandbox.id, pod, other));
  });

  it('serves preset logs with tail and scripted exec results', async () => {
    const sandbox = await rt.runPodSandbox(pod, { network: 'pods' });
    const id = await rt.createContainer(sandbox.id, pod, container);
    await rt.startContainer(id);
    rt.logLines.set(id, ['a', 'b', 'c'].map((line) => ({ stream: 'stdout' as const, line })));
    const lines = [];
    for await (const l of rt.logs(id, { tail: 2 })) lines.push(l.line);
    assert.deepEqual(lines, ['b', 'c']);
    rt.execHandler = (_c, cmd) => ({ exitCode: 7, stdout: cmd.join(' '), stderr: 'e' });
    const s = await rt.exec(id, ['echo', 'x']);
    assert.deepEqual([await readAll(s.stdout), await readAll(s.stderr), await s.exitCode], ['echo x', 'e', 7]);
  });

  it('fails once on demand, and for unknown containers', async () => {
    rt.failNext.set('runPodSandbox', new Error('boom'));
    await assert.rejects(rt.runPodSandbox(pod, { network: 'pods' }), /boom/);
    assert.ok(await rt.runPodSandbox(pod, { network: 'pods' }));
    await assert.rejects(rt.startContainer('nope'), ContainerNotFoundError);
  });
});
