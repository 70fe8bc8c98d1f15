import assert from 'node:assert/strict';
import { ConfigMap, Pod, Secret, type DownwardAPIVolumeFile, type ProjectedVolumeSource } from '../../../../lib/gen/kite/core/v1/types';
import type { PodObjectSource, PodTokenSource } from '../../../../services/kubelet/config-sources/types';
import type { Payload } from '../../../../services/kubelet/volumes/atomic-writer';
import { configMapPayload, configMapVolumePayload } from '../../../../services/kubelet/volumes/configmap-volume';
import { downwardAPIPayload, formatMap } from '../../../../services/kubelet/volumes/downward-api-volume';
import { projectedPayload } from '../../../../services/kubelet/volumes/projected-volume';
import { secretPayload, secretVolumePayload } from '../../../../services/kubelet/volumes/secret-volume';

/** path -> [content, mode in octal] for readable assertions. */
function files(p: Payload): Record<string, [string, string]> {
  return Object.fromEntries([...p].map(([path, f]) => [path, [f.data.toString(), f.mode.toString(8)]]));
}

const pod = Pod.fromPartial({
  metadata: { name: 'web', namespace: 'prod', uid: 'u-1', labels: { tier: 'front', app: 'web' }, annotations: { 'example.com/build': '42' } },
  spec: {
    serviceAccountName: 'builder',
    containers: [{ name: 'main', resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } } }, { name: 'side' }],
  },
});

const configMap = ConfigMap.fromPartial({ metadata: { name: 'app', namespace: 'prod' }, data: { 'app.conf': 'a=1', mode: 'fast' }, binaryData: { 'logo.bin': Buffer.from([0, 1, 2]) } });
const secret = Secret.fromPartial({ metadata: { name: 'creds', namespace: 'prod' }, data: { user: Buffer.from('admin'), pass: Buffer.from('s3cr3t') } });

class FakeObjects implements PodObjectSource {
  readonly reads: string[] = [];
  constructor(private readonly objects: { configMaps?: ConfigMap[]; secrets?: Secret[] }) {}
  async getConfigMap(namespace: string, name: string) {
    this.reads.push(`configmap ${namespace}/${name}`);
    return this.objects.configMaps?.find((c) => c.metadata?.namespace === namespace && c.metadata?.name === name);
  }
  async getSecret(namespace: string, name: string) {
    this.reads.push(`secret ${namespace}/${name}`);
    return this.objects.secrets?.find((c) => c.metadata?.namespace === namespace && c.metadata?.name === name);
  }
}

describe('kubelet/volumes sources', () => {
  describe('configMap', () => {
    it('projects every data and binaryData key with the default mode when no items are listed', () => {
      const p = configMapPayload([], configMap, 0o644, false);
      assert.deepEqual(files(p), { 'app.conf': ['a=1', '644'], mode: ['fast', '644'], 'logo.bin': ['\u0000\u0001\u0002', '644'] });
    });

    it('projects only the listed items at their paths, with their own modes', () => {
      const p = configMapPayload([{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }, { key: 'logo.bin', path: 'logo' }], configMap, 0o440, false);
      assert.deepEqual(files(p), { 'conf/app.conf': ['a=1', '600'], logo: ['\u0000\u0001\u0002', '440'] });
    });

    it('refuses a listed key the ConfigMap lacks unless optional', () => {
      assert.throws(() => configMapPayload([{ key: 'nope', path: 'x' }], configMap, 0o644, false), /^Error: configmap references non-existent config key: nope$/);
      assert.deepEqual(files(configMapPayload([{ key: 'nope', path: 'x' }, { key: 'mode', path: 'm' }], configMap, 0o644, true)), { m: ['fast', '644'] });
    });

    it('reads the ConfigMap from the pod namespace; a missing one is "not found" unless optional (then empty)', async () => {
      const objects = new FakeObjects({ configMaps: [configMap] });
      await assert.rejects(configMapVolumePayload(objects, pod, { name: 'other', items: [] }, 0o644), /^Error: configmap "other" not found$/);
      assert.deepEqual(files(await configMapVolumePayload(objects, pod, { name: 'other', items: [], optional: true }, 0o644)), {});
      assert.deepEqual(Object.keys(files(await configMapVolumePayload(objects, pod, { name: 'app', items: [] }, 0o644))).sort(), ['app.conf', 'logo.bin', 'mode']);
      assert.deepEqual(objects.reads, ['configmap prod/other', 'configmap prod/other', 'configmap prod/app']);
    });
  });

  describe('secret', () => {
    it('projects every key or the listed items, with modes', () => {
      assert.deepEqual(files(secretPayload([], secret, 0o400, false)), { user: ['admin', '400'], pass: ['s3cr3t', '400'] });
      assert.deepEqual(files(secretPayload([{ key: 'pass', path: 'db/password', mode: 0o600 }], secret, 0o400, false)), { 'db/password': ['s3cr3t', '600'] });
    });

    it('refuses a missing Secret or key unless optional, with Kubernetes\' messages', async () => {
      const objects = new FakeObjects({ secrets: [secret] });
      assert.throws(() => secretPayload([{ key: 'token', path: 't' }], secret, 0o644, false), /^Error: references non-existent secret key: token$/);
      await assert.rejects(secretVolumePayload(objects, pod, { name: 'gone', items: [] }, 0o644), /^Error: secret "gone" not found$/);
      assert.deepEqual(files(await secretVolumePayload(objects, pod, { name: 'gone', items: [{ key: 'a', path: 'a' }], optional: true }, 0o644)), {});
    });
  });

  describe('downwardAPI', () => {
    const item = (path: string, f: Partial<DownwardAPIVolumeFile>): DownwardAPIVolumeFile => ({ path, ...f });

    it('writes metadata fields, whole label and annotation maps as sorted key="value" lines, and single keys', () => {
      const p = downwardAPIPayload(
        [
          item('name', { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }),
          item('namespace', { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }),
          item('uid', { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.uid' } }),
          item('labels', { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' }, mode: 0o600 }),
          item('annotations', { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' } }),
          item('tier', { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['tier']" } }),
        ],
        pod,
        0o644,
        {},
      );
      assert.deepEqual(files(p), {
        name: ['web', '644'],
        namespace: ['prod', '644'],
        uid: ['u-1', '644'],
        labels: ['app="web"\ntier="front"', '600'],
        annotations: ['example.com/build="42"', '644'],
        tier: ['front', '644'],
      });
      assert.equal(formatMap({ b: 'say "hi"', a: '' }), 'a=""\nb="say \\"hi\\""');
    });

    it('writes container resources with their divisor, the node allocatable standing in for a missing limit', () => {
      const p = downwardAPIPayload(
        [
          item('mem', { resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } }),
          item('cpu', { resourceFieldRef: { containerName: 'main', resource: 'requests.cpu', divisor: '1m' } }),
          item('side-cpu-limit', { resourceFieldRef: { containerName: 'side', resource: 'limits.cpu', divisor: '' } }),
        ],
        pod,
        0o644,
        { cpu: '4', memory: '8Gi' },
      );
      assert.deepEqual(files(p), { mem: ['64', '644'], cpu: ['250', '644'], 'side-cpu-limit': ['4', '644'] });
    });

    it('reports every failing item together', () => {
      assert.throws(
        () =>
          downwardAPIPayload(
            [item('a', { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } }), item('b', { resourceFieldRef: { containerName: 'ghost', resource: 'limits.cpu', divisor: '' } })],
            pod,
            0o644,
            {},
          ),
        /^Error: \[unsupported fieldPath: spec.nodeName, container ghost not found\]$/,
      );
    });
  });

  describe('projected', () => {
    const tokens: PodTokenSource & { asked: string[] } = {
      asked: [],
      async getToken(p, projection) {
        this.asked.push(`${p.metadata!.name} ${projection.audience} ${projection.expirationSeconds}`);
        return { token: 'jwt-1', expirationTimestamp: '2026-12-04T23:00:00Z' };
      },
      forgetPod: () => undefined,
    };

    it('combines secret, configMap, downwardAPI and serviceAccountToken sources with the default mode', async () => {
      const source: ProjectedVolumeSource = {
        defaultMode: 0o640,
        sources: [
          { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'app', items: [{ key: 'app.conf', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          { secret: { name: 'creds', items: [{ key: 'user', path: 'user', mode: 0o400 }] } },
        ],
      };
      const p = await projectedPayload({ objects: new FakeObjects({ configMaps: [configMap], secrets: [secret] }), tokens, nodeAllocatable: {} }, pod, source);
      assert.deepEqual(files(p), { token: ['jwt-1', '640'], 'ca.crt': ['a=1', '640'], namespace: ['prod', '640'], user: ['admin', '400'] });
      assert.deepEqual(tokens.asked, ['web api 3600']);
    });

    it('defaults the mode to 0644 and reports every failing source together', async () => {
      const objects = new FakeObjects({});
      const source: ProjectedVolumeSource = { defaultMode: undefined, sources: [{ configMap: { name: 'a', items: [] } }, { secret: { name: 'b', items: [], optional: true } }, { secret: { name: 'c', items: [] } }] };
      await assert.rejects(projectedPayload({ objects, tokens, nodeAllocatable: {} }, pod, source), /^Error: \[configmap "a" not found, secret "c" not found\]$/);
      const ok = await projectedPayload({ objects: new FakeObjects({ configMaps: [configMap] }), tokens, nodeAllocatable: {} }, pod, { defaultMode: undefined, sources: [{ configMap: { name: 'app', items: [{ key: 'mode', path: 'm' }] } }] });
      assert.deepEqual(files(ok), { m: ['fast', '644'] });
    });
  });
});
