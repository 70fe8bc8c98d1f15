// Container environment from ConfigMaps, Secrets and Services on the real Docker Engine, with a
// real apiserver and kubelet: keyRefs and envFrom reach the container; a pod whose ConfigMap is
// missing waits in CreateContainerConfigError with an event naming it, and starts once it is created.
import { strict as assert } from 'node:assert';
import { ConfigMap, Secret, Service } from '../../../lib/gen/kite/core/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { uniqueName } from '../../support/docker';
import { containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const BUSYBOX = TEST_IMAGES.busybox;

describe('kubelet container env from ConfigMaps, Secrets and Services on Docker', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('kenv');
    await fx.startKubelet();
  });

  after(async () => {
    await fx?.cleanup();
  });

  /** The environment the engine started the pod's container with. */
  async function engineEnv(podName: string): Promise<Map<string, string>> {
    const pod = await fx.client.pods.get(podName);
    const id = containerStatus(pod, 'c')!.containerID.slice('docker://'.length);
    const info = await fx.docker.getContainer(id).inspect();
    return new Map((info.Config.Env ?? []).map((kv: string) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]));
  }

  it('gives a container the keys of a ConfigMap and a Secret (keyRefs and envFrom) and the service variables', async () => {
    const cm = uniqueName('cfg');
    const secret = uniqueName('sec');
    await fx.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: cm, namespace: 'default' }, data: { mode: 'fast', 'log.level': 'debug', '1st': 'x' } }));
    await fx.client.secrets.create(Secret.fromPartial({ metadata: { name: secret, namespace: 'default' }, stringData: { password: 's3cret' } }));
    const svc = await fx.client.services.create(Service.fromPartial({ metadata: { name: 'web-front', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }));
    await fx.createPod('env-pod', [
      {
        name: 'c',
        image: BUSYBOX,
        command: ['sleep', '3600'],
        envFrom: [{ prefix: 'CFG_', configMapRef: { name: cm } }, { configMapRef: { name: cm } }],
        env: [
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: cm, key: 'mode' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } },
          { name: 'URL', value: 'http://$(WEB_FRONT_SERVICE_HOST):$(WEB_FRONT_SERVICE_PORT)/?mode=$(MODE)' },
        ],
      },
    ]);
    await fx.waitForPod('env-pod', 'Running', (p) => !!containerStatus(p, 'c')?.state?.running);
    const env = await engineEnv('env-pod');
    const ip = svc.spec!.clusterIP;
    assert.ok(ip, 'the Service has a cluster IP');
    assert.equal(env.get('MODE'), 'fast');
    assert.equal(env.get('PASSWORD'), 's3cret');
    assert.equal(env.get('CFG_mode'), 'fast');
    assert.equal(env.get('CFG_log.level'), 'debug');
    assert.equal(env.get('CFG_1st'), 'x');
    assert.equal(env.get('log.level'), 'debug');
    assert.equal(env.has('1st'), false);
    assert.equal(env.get('WEB_FRONT_SERVICE_HOST'), ip);
    assert.equal(env.get('WEB_FRONT_PORT_80_TCP'), `tcp://${ip}:80`);
    assert.equal(env.get('URL'), `http://${ip}:80/?mode=fast`);
    const kubernetes = await fx.client.services.get('kubernetes', 'default');
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), kubernetes.spec!.clusterIP);
    assert.equal(env.get('KUBERNETES_SERVICE_PORT'), '443');
    assert.equal(env.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
    const events = await fx.events('env-pod');
    assert.ok(
      events.some((e) => e.reason === 'InvalidEnvironmentVariableNames' && e.message === `Keys [1st] from the EnvFrom configMap default/${cm} were skipped since they are considered invalid environment variable names.`),
      events.map((e) => `${e.reason}: ${e.message}`).join('\n'),
    );
  });

  it('holds a pod whose ConfigMap is missing in CreateContainerConfigError, with an event naming it, and starts it once the ConfigMap exists', async () => {
    const cm = uniqueName('late');
    await fx.createPod('blocked', [{ name: 'c', image: BUSYBOX, command: ['sleep', '3600'], env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: cm, key: 'greeting' } } }] }]);
    const blocked = await fx.waitForPod('blocked', 'CreateContainerConfigError', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'CreateContainerConfigError');
    assert.equal(containerStatus(blocked, 'c')?.state?.waiting?.message, `configmap "${cm}" not found`);
    assert.equal(blocked.status?.phase, 'Pending');
    const events = await fx.events('blocked');
    assert.ok(
      events.some((e) => e.type === 'Warning' && e.reason === 'Failed' && e.message === `Error: configmap "${cm}" not found`),
      events.map((e) => `${e.reason}: ${e.message}`).join('\n'),
    );

    await fx.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: cm, namespace: 'default' }, data: { greeting: 'hello' } }));
    await fx.waitForPod('blocked', 'Running', (p) => !!containerStatus(p, 'c')?.state?.running);
    assert.equal((await engineEnv('blocked')).get('GREETING'), 'hello');
  });
});
