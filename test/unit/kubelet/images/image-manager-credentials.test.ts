// The ImageManager's pulls with pull-secret credentials (Kubernetes' pullImage over the keyring's
// matches): each matching credential is tried in turn until one works, the last failure is the
// one reported, no match means an anonymous pull, and a malformed pull secret fails the pull.
import assert from 'node:assert/strict';
import type { EventRecorder } from '../../../../lib/events';
import { Container, Pod, Secret } from '../../../../lib/gen/kite/core/v1/types';
import { ImageManager } from '../../../../services/kubelet/images/image-manager';
import { ImagePullError } from '../../../../services/kubelet/runtime/errors';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import type { RegistryAuth } from '../../../../services/kubelet/runtime/types';

/** A registry that accepts only the user "good". */
class PickyRuntime extends FakeRuntime {
  readonly tried: (string | undefined)[] = [];
  override async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    this.tried.push(auth?.username);
    if (auth?.username !== 'good') throw new ImagePullError(ref, `unauthorized: ${auth?.username ?? 'anonymous'}`);
    return super.pullImage(ref, auth);
  }
}

const dockercfg = (auths: Record<string, { username: string; password: string }>) =>
  Secret.fromPartial({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })) } });

describe('kubelet ImageManager pulls with pull-secret credentials', () => {
  let runtime: PickyRuntime;
  let events: string[];
  let images: ImageManager;
  const pod = Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' } });
  const container = Container.fromPartial({ name: 'c', image: 'quay.io/org/app:1', imagePullPolicy: 'IfNotPresent' });

  beforeEach(() => {
    runtime = new PickyRuntime([]);
    events = [];
    const recorder: EventRecorder = { event: (_o, _t, reason, message) => events.push(`${reason}: ${message}`) };
    images = new ImageManager(runtime, recorder, { initialMs: 10_000, maxMs: 60_000 });
  });

  it('tries each matching credential, most specific first, until one works', async () => {
    const result = await images.ensureImage(pod, container, [dockercfg({ 'quay.io': { username: 'good', password: 'p' } }), dockercfg({ 'quay.io/org': { username: 'bad', password: 'p' } })]);
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(runtime.tried, ['bad', 'good']);
  });

  it('reports the last failure when none works', async () => {
    const result = await images.ensureImage(pod, container, [dockercfg({ 'quay.io/org': { username: 'bad', password: 'p' }, 'quay.io': { username: 'worse', password: 'p' } })]);
    assert.equal(result.ok, false);
    assert.deepEqual(runtime.tried, ['bad', 'worse']);
    assert.ok(events.includes('Failed: Failed to pull image "quay.io/org/app:1": unauthorized: worse'), events.join('\n'));
  });

  it('pulls anonymously when no pull secret matches the registry', async () => {
    await images.ensureImage(pod, container, [dockercfg({ 'gcr.io': { username: 'good', password: 'p' } })]);
    assert.deepEqual(runtime.tried, [undefined]);
  });

  it('fails the pull on a malformed pull secret, as Kubernetes does', async () => {
    const bad = Secret.fromPartial({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths": {"quay.io": {"auth": "bm9jb2xvbg=="}}}') } });
    const result = await images.ensureImage(pod, container, [bad]);
    assert.equal(result.ok, false);
    assert.deepEqual(runtime.tried, []);
    assert.ok(!result.ok && /unable to parse auth field/.test(result.waiting.message), JSON.stringify(result));
  });
});
