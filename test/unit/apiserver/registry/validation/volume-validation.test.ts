// Validation and defaulting of a pod's configMap, secret, downwardAPI and projected volumes, its
// volumeMounts' subPath and subPathExpr, and its env valueFrom / envFrom, with Kubernetes' field
// paths and messages.
import assert from 'node:assert/strict';
import { Pod, type Container, type PodSpec } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { validatePod } from '../../../../../services/apiserver/registry/validation/validation';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function stored(spec: DeepPartial<PodSpec>, container: DeepPartial<Container> = {}): Pod {
  const pod = Pod.fromPartial({
    metadata: { name: 'web', namespace: 'default' },
    spec: { ...spec, containers: [{ name: 'web', image: 'nginx:1.22', ...container }] },
  });
  defaultPod(pod, DEFAULT_DEFAULTING);
  return pod;
}

/** The pod as stored: defaulted, then validated; returns "field: message" lines. */
function causes(spec: DeepPartial<PodSpec>, container: DeepPartial<Container> = {}): string[] {
  return validatePod(stored(spec, container)).map((c) => `${c.field}: ${c.message}`);
}

const volumes = (...v: DeepPartial<PodSpec>['volumes'] & object) => ({ volumes: v });
const MODE = 'must be a number between 0 and 0777 (octal), both inclusive';

describe('apiserver validation: pod volumes, volumeMounts and env sources', () => {
  it('accepts the volumes of Kubernetes\' documentation examples and defaults their modes and token lifetime', () => {
    const spec = volumes(
      { name: 'config', configMap: { name: 'game-config', items: [{ key: 'game.properties', path: 'game.properties' }] } },
      { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400, optional: true } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'cpu', resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1m' } }] } },
      {
        name: 'all',
        projected: {
          sources: [
            { serviceAccountToken: { audience: 'vault', path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: "metadata.labels['app']" } }] } },
          ],
        },
      },
    );
    assert.deepEqual(causes(spec, { volumeMounts: [{ name: 'config', mountPath: '/etc/game' }, { name: 'creds', mountPath: '/etc/creds/pass', subPath: 'pass' }] }), []);
    const pod = stored(spec);
    const [cm, secret, downward, projected] = pod.spec!.volumes;
    assert.equal(cm.configMap!.defaultMode, 0o644);
    assert.equal(secret.secret!.defaultMode, 0o400);
    assert.equal(downward.downwardAPI!.defaultMode, 0o644);
    assert.equal(downward.downwardAPI!.items[0].fieldRef!.apiVersion, 'v1');
    assert.equal(projected.projected!.defaultMode, 0o644);
    assert.equal(projected.projected!.sources[0].serviceAccountToken!.expirationSeconds, 3600);
  });

  it('accepts a persistentVolumeClaim volume naming its claim, and requires the name', () => {
    assert.deepEqual(causes(volumes({ name: 'data', persistentVolumeClaim: { claimName: 'www-web-0', readOnly: true } }), { volumeMounts: [{ name: 'data', mountPath: '/data' }] }), []);
    assert.deepEqual(causes(volumes({ name: 'data', persistentVolumeClaim: {} })), ['spec.volumes[0].persistentVolumeClaim.claimName: Required value']);
    assert.deepEqual(causes(volumes({ name: 'x', emptyDir: {}, persistentVolumeClaim: { claimName: 'c' } })), ['spec.volumes[0].persistentVolumeClaim: Forbidden: may not specify more than 1 volume type']);
  });

  it('refuses a volume with no type or more than one, naming the second', () => {
    assert.deepEqual(causes(volumes({ name: 'x' })), ['spec.volumes[0]: Required value: must specify a volume type']);
    assert.deepEqual(causes(volumes({ name: 'x', emptyDir: {}, configMap: { name: 'c' } })), ['spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type']);
    assert.deepEqual(causes(volumes({ name: 'x', secret: { secretName: 's' }, downwardAPI: {} })), ['spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type']);
  });

  it('requires the object names and item keys and paths; refuses absolute, ".." and "..x" paths and bad modes', () => {
    assert.deepEqual(causes(volumes({ name: 'c', configMap: { items: [{ key: '', path: '' }], defaultMode: 0o1000 } }, { name: 's', secret: { items: [{ key: 'k', path: '/abs', mode: -1 }] } })), [
      'spec.volumes[0].configMap.name: Required value',
      `spec.volumes[0].configMap.defaultMode: Invalid value: 512: ${MODE}`,
      'spec.volumes[0].configMap.items[0].key: Required value',
      'spec.volumes[0].configMap.items[0].path: Required value',
      'spec.volumes[1].secret.secretName: Required value',
      'spec.volumes[1].secret.items[0].path: Invalid value: "/abs": must be a relative path',
      `spec.volumes[1].secret.items[0].mode: Invalid value: -1: ${MODE}`,
    ]);
    assert.deepEqual(causes(volumes({ name: 'c', configMap: { name: 'c', items: [{ key: 'a', path: 'x/../../y' }, { key: 'b', path: '..data' }, { key: 'c', path: '../z' }] } })), [
      'spec.volumes[0].configMap.items[0].path: Invalid value: "x/../../y": must not contain \'..\'',
      'spec.volumes[0].configMap.items[1].path: Invalid value: "..data": must not start with \'..\'',
      'spec.volumes[0].configMap.items[2].path: Invalid value: "../z": must not contain \'..\'',
    ]);
    assert.deepEqual(causes(volumes({ name: 'c', configMap: { name: 'c', defaultMode: 0o777, items: [{ key: 'a', path: 'a', mode: 0 }] } })), []);
  });

  it('allows only metadata fields in downwardAPI volumes, one of fieldRef and resourceFieldRef, and a named container', () => {
    assert.deepEqual(
      causes(
        volumes({
          name: 'd',
          downwardAPI: {
            items: [
              { path: 'node', fieldRef: { fieldPath: 'spec.nodeName' } },
              { path: 'x', fieldRef: { fieldPath: 'metadata.foo' } },
              { path: 'both', fieldRef: { fieldPath: 'metadata.name' }, resourceFieldRef: { containerName: 'web', resource: 'limits.cpu' } },
              { path: 'none' },
              { path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } },
              { path: 'gpu', resourceFieldRef: { containerName: 'web', resource: 'limits.gpu' } },
              { path: 'mem', resourceFieldRef: { containerName: 'web', resource: 'limits.memory', divisor: '3Mi' } },
            ],
          },
        }),
      ),
      [
        'spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"',
        'spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: "metadata.foo": error converting fieldPath: field label not supported: metadata.foo',
        'spec.volumes[0].downwardAPI: Invalid value: "resource": fieldRef and resourceFieldRef can not be specified simultaneously',
        'spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required',
        'spec.volumes[0].downwardAPI.resourceFieldRef.containerName: Required value',
        'spec.volumes[0].downwardAPI.resourceFieldRef.resource: Unsupported value: "limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"',
        'spec.volumes[0].downwardAPI.resourceFieldRef.divisor: Invalid value: "limits.memory": only divisor\'s values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource',
      ],
    );
  });

  it('checks projected sources: one type each, unique paths, token lifetime between 10 minutes and 2^32 s, token path required', () => {
    assert.deepEqual(
      causes(
        volumes({
          name: 'p',
          projected: {
            sources: [
              { configMap: { name: 'a', items: [{ key: 'k', path: 'same' }] }, secret: { name: 'b', items: [{ key: 'k', path: 'other' }] } },
              { secret: { name: 's', items: [{ key: 'k', path: 'same' }] } },
              { serviceAccountToken: { expirationSeconds: 599, path: '' } },
              { serviceAccountToken: { expirationSeconds: 2 ** 32 + 1, path: 'token' } },
              {},
            ],
          },
        }),
      ),
      [
        'spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type per source',
        'spec.volumes[0].projected: Invalid value: "s": conflicting duplicate paths',
        'spec.volumes[0].projected.sources[2].serviceAccountToken.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
        'spec.volumes[0].projected.path: Required value',
        'spec.volumes[0].projected.sources[3].serviceAccountToken.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
      ],
    );
  });

  it('makes subPath and subPathExpr relative, without "..", and mutually exclusive; mountPaths unique', () => {
    assert.deepEqual(
      causes(volumes({ name: 'w', emptyDir: {} }), {
        volumeMounts: [
          { name: 'w', mountPath: '/a', subPath: '/abs' },
          { name: 'w', mountPath: '/b', subPath: 'x', subPathExpr: '$(POD)' },
          { name: 'w', mountPath: '/b', subPathExpr: '../$(POD)' },
          { name: 'w', mountPath: '/c', subPathExpr: 'logs/$(POD_NAME)' },
        ],
      }),
      [
        'spec.containers[0].volumeMounts.subPath: Invalid value: "/abs": must be a relative path',
        'spec.containers[0].volumeMounts[1].subPathExpr: Invalid value: "$(POD)": subPathExpr and subPath are mutually exclusive',
        'spec.containers[0].volumeMounts[2].mountPath: Invalid value: "/b": must be unique',
        'spec.containers[0].volumeMounts.subPathExpr: Invalid value: "../$(POD)": must not contain \'..\'',
      ],
    );
  });

  it('requires exactly one valueFrom source, with a valid name and key, and no value beside it', () => {
    assert.deepEqual(
      causes(
        {},
        {
          env: [
            { name: 'A', valueFrom: {} },
            { name: 'B', value: 'x', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } },
            { name: 'C', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } } },
            { name: 'D', valueFrom: { secretKeyRef: { name: '', key: '' } } },
            { name: 'E', valueFrom: { configMapKeyRef: { name: 'Bad_Name', key: 'no/slash' } } },
            { name: 'F', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
            { name: 'G=H', value: 'x' },
            { name: 'OK', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
        },
      ),
      [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.containers[0].env[2].valueFrom: Invalid value: "": may not have more than one field specified at a time',
        'spec.containers[0].env[3].valueFrom.secretKeyRef.name: Invalid value: "": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
        'spec.containers[0].env[3].valueFrom.secretKeyRef.key: Required value',
        'spec.containers[0].env[4].valueFrom.configMapKeyRef.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
        'spec.containers[0].env[4].valueFrom.configMapKeyRef.key: Invalid value: "no/slash": a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\' (e.g. \'key.name\',  or \'KEY_NAME\',  or \'key-name\', regex used for validation is \'[-._a-zA-Z0-9]+\')',
        'spec.containers[0].env[5].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
        'spec.containers[0].env[6].name: Invalid value: "G=H": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
      ],
    );
  });

  it('requires exactly one of configMapRef and secretRef per envFrom, with a valid prefix', () => {
    assert.deepEqual(
      causes(
        {},
        {
          envFrom: [
            { prefix: 'APP_', configMapRef: { name: 'app' } },
            { secretRef: { name: 's', optional: true } },
            { prefix: 'A=' },
            { configMapRef: { name: 'a' }, secretRef: { name: '' } },
          ],
        },
      ),
      [
        'spec.containers[0].envFrom[2].prefix: Invalid value: "A=": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
        'spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`',
        'spec.containers[0].envFrom[3].secretRef.name: Required value',
        'spec.containers[0].envFrom: Invalid value: "": may not have more than one field specified at a time',
      ],
    );
  });
});
