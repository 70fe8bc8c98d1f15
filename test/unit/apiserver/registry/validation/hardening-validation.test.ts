// Validation Kubernetes does and Kite once skipped: quantities beyond 2^63-1, requests above
// limits, hostPaths with "..", unknown hostPath types and invalid generateNames; with
// Kubernetes' field paths and messages.
import assert from 'node:assert/strict';
import { Namespace, Pod, Service, type Container, type Volume } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { validateNamespace, validatePod, validateService } from '../../../../../services/apiserver/registry/validation/validation';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The pod as stored: defaulted, then validated; returns "field: message" lines. */
function causes(container: DeepPartial<Container>, extra: { volumes?: DeepPartial<Volume>[]; generateName?: string; name?: string } = {}): string[] {
  const pod = Pod.fromPartial({
    metadata: { name: extra.name ?? 'web', generateName: extra.generateName ?? '', namespace: 'default' },
    spec: { containers: [{ name: 'web', image: 'nginx:1.22', ...container }], volumes: extra.volumes ?? [] },
  });
  defaultPod(pod, DEFAULT_DEFAULTING);
  return validatePod(pod).map((c) => `${c.field}: ${c.message}`);
}

const resources = (requests: Record<string, string>, limits: Record<string, string> = {}) => ({ resources: { requests, limits } });
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('apiserver admission: hardening validation', () => {
  describe('quantities', () => {
    it('refuses a quantity Kubernetes cannot represent (above 2^63-1)', () => {
      assert.deepEqual(causes(resources({ cpu: '1e1000' })), [
        'spec.containers[0].resources.requests[cpu]: Invalid value: "1e1000": must be less than or equal to 9223372036854775807',
      ]);
      assert.deepEqual(causes(resources({}, { memory: '8Ei' })).filter((m) => m.includes('limits[memory]')), [
        'spec.containers[0].resources.limits[memory]: Invalid value: "8Ei": must be less than or equal to 9223372036854775807',
      ]);
    });

    it('accepts the largest quantities that fit', () => {
      assert.deepEqual(causes(resources({ memory: '7Ei', cpu: '9223372036854775807' })), []);
    });
  });

  describe('requests and limits', () => {
    it('refuses a request above its limit with the canonical quantities', () => {
      assert.deepEqual(causes(resources({ cpu: '2' }, { cpu: '1' })), [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      ]);
      assert.deepEqual(causes(resources({ memory: '1024Mi' }, { memory: '512Mi' })), [
        'spec.containers[0].resources.requests: Invalid value: "1Gi": must be less than or equal to memory limit of 512Mi',
      ]);
      assert.deepEqual(causes(resources({ cpu: '1500m' }, { cpu: '1' })), [
        'spec.containers[0].resources.requests: Invalid value: "1500m": must be less than or equal to cpu limit of 1',
      ]);
    });

    it('accepts requests at or below their limits, and requests without limits', () => {
      assert.deepEqual(causes(resources({ cpu: '1000m', memory: '128Mi' }, { cpu: '1', memory: '1Gi' })), []);
      assert.deepEqual(causes(resources({ cpu: '100' })), []);
    });

    it('requires extended resources to have equal requests and limits', () => {
      assert.deepEqual(causes(resources({ 'example.com/gpu': '1' }, { 'example.com/gpu': '2' })), [
        'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
      ]);
      assert.deepEqual(causes(resources({ 'example.com/gpu': '1' })), [
        'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
      ]);
    });
  });

  describe('hostPath volumes', () => {
    const withHostPath = (path: string, type = '') => causes({}, { volumes: [{ name: 'h', hostPath: { path, type } }] });

    it('refuses a path with a ".." element', () => {
      for (const path of ['..', '/var/../etc', '/a/b/..', '../x']) {
        assert.deepEqual(withHostPath(path), [`spec.volumes[0].hostPath.path: Invalid value: "${path}": must not contain '..'`], path);
      }
    });

    it('accepts what Kubernetes accepts: absolute paths, names merely containing dots, relative paths', () => {
      for (const path of ['/var/log', '/srv/..data', '/srv/a..b', 'data']) assert.deepEqual(withHostPath(path), [], path);
    });

    it('refuses an unknown type', () => {
      assert.deepEqual(withHostPath('/var/log', 'Dir'), [
        'spec.volumes[0].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ]);
      assert.deepEqual(withHostPath('/var/log', 'DirectoryOrCreate'), []);
    });
  });

  describe('generateName', () => {
    it('validates generateName as a name prefix, quoting it', () => {
      assert.deepEqual(causes({}, { generateName: 'Web_' }), [`metadata.generateName: Invalid value: "Web_": ${SUBDOMAIN_MSG}`]);
      assert.deepEqual(causes({}, { generateName: '-web-' }), [`metadata.generateName: Invalid value: "-web-": ${SUBDOMAIN_MSG}`]);
    });

    it('accepts a prefix ending in a dash, as Kubernetes masks it', () => {
      assert.deepEqual(causes({}, { generateName: 'web-' }), []);
      assert.deepEqual(causes({}, { generateName: 'web-1.' }), [`metadata.generateName: Invalid value: "web-1.": ${SUBDOMAIN_MSG}`]);
    });

    it('uses each kind\'s name rule', () => {
      const svc = Service.fromPartial({ metadata: { name: 'svc-abcde', generateName: '1svc-', namespace: 'default' }, spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], type: 'ClusterIP' } });
      assert.ok(
        validateService(svc, [30000, 32767]).some((c) => c.field === 'metadata.generateName' && c.message.startsWith('Invalid value: "1svc-": a DNS-1035 label')),
        JSON.stringify(validateService(svc, [30000, 32767])),
      );
      const ns = Namespace.fromPartial({ metadata: { name: 'ns-abcde', generateName: 'a.b-' } });
      assert.ok(validateNamespace(ns).some((c) => c.field === 'metadata.generateName' && c.message.startsWith('Invalid value: "a.b-": a lowercase RFC 1123 label')));
    });
  });
});
