// A kubelet with its node identity reads the Secrets and ConfigMaps of its pods through the Node
// authorizer (TLS apiserver, --authorization-mode Node,RBAC; kubelet on the FakeRuntime): the
// single-object list+watch of each named object is allowed and the container gets their values;
// the node is refused a Secret no pod of it names, in Kubernetes' words.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForbiddenError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { ConfigMap, Pod, Secret } from '../../../lib/gen/kite/core/v1/types';
import { issueClientCertificate } from '../../../lib/pki/certificates';
import { defaultKubeletConfig } from '../../../services/kubelet/config';
import { Kubelet } from '../../../services/kubelet/kubelet';
import { DEFAULT_PAUSE_IMAGE } from '../../../services/kubelet/runtime/docker-config';
import { FakeRuntime } from '../../../services/kubelet/runtime/fake-runtime';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const IMAGE = 'busybox:1';

describe("a node reads its pods' Secrets and ConfigMaps through the Node authorizer", function () {
  this.timeout(60_000);
  let api: SecureApiserver;
  let admin: Clientset;
  let nodeClient: Clientset;
  let kubelet: Kubelet;
  let runtime: FakeRuntime;
  let rootDir: string;
  let node: string;

  before(async () => {
    api = await startSecureApiserver();
    admin = await api.admin();
    node = uniqueName('kcfg-n1');
    const pair = await issueClientCertificate(api.ca, `system:node:${node}`, ['system:nodes']);
    nodeClient = await api.client({ pair });
    rootDir = mkdtempSync(join(tmpdir(), `${node}-`));
    runtime = new FakeRuntime([IMAGE, DEFAULT_PAUSE_IMAGE]);
    const config = defaultKubeletConfig({
      nodeName: node,
      nodeIP: '127.0.0.1',
      bindAddress: '127.0.0.1',
      port: 0,
      fallbackPodCIDR: '10.250.9.0/24',
      podCIDRWaitMs: 0,
      podNetworkName: `${node}-pods`,
      rootDir,
      relistPeriodMs: 100,
    });
    kubelet = new Kubelet(config, { client: await api.client({ pair }), runtime });
    await kubelet.start();
  });

  after(async () => {
    await kubelet?.stop();
    await api?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  it("lets the kubelet list+watch exactly the objects its pods name, and starts the container with their values", async () => {
    await admin.secrets.create(Secret.fromPartial({ metadata: { name: 'db', namespace: 'default' }, stringData: { password: 's3cret' } }));
    await admin.secrets.create(Secret.fromPartial({ metadata: { name: 'unrelated', namespace: 'default' }, stringData: { k: 'v' } }));
    await admin.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'settings', namespace: 'default' }, data: { MODE: 'fast' } }));
    await admin.pods.create(
      Pod.fromPartial({
        metadata: { name: 'app', namespace: 'default' },
        spec: {
          nodeName: node,
          containers: [{ name: 'c', image: IMAGE, envFrom: [{ configMapRef: { name: 'settings' } }], env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }],
        },
      }),
    );
    const created = await waitFor('the container created', () => [...runtime.createOptions.values()].find((c) => c.container.name === 'c'), 20_000);
    const env = new Map((created.options.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.get('PASSWORD'), 's3cret');
    assert.equal(env.get('MODE'), 'fast');

    const one = (name: string) => ({ namespace: 'default', fieldSelector: `metadata.name=${name}` });
    assert.deepEqual((await nodeClient.secrets.list(one('db'))).items.map((s) => s.metadata!.name), ['db']);
    assert.equal((await nodeClient.configMaps.get('settings', 'default')).data.MODE, 'fast');
    await assert.rejects(nodeClient.secrets.list(one('unrelated')), (err: Error) => {
      assert.ok(err instanceof ForbiddenError, err.message);
      assert.match(err.message, new RegExp(`no relationship found between node '${node}' and this object`));
      return true;
    });
    await assert.rejects(nodeClient.secrets.list({ namespace: 'default' }), (err: Error) => err instanceof ForbiddenError);
  });
});
