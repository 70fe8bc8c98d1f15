import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { Container } from '../../../../lib/gen/kite/core/v1/types';
import { containerHash } from '../../../../services/kubelet/runtime/container-hash';
import { runtimeContainer } from '../../../../services/kubelet/runtime/container-status';
import { engineMessage } from '../../../../services/kubelet/runtime/errors';
import { normalizeImageRef } from '../../../../services/kubelet/runtime/image-ref';
import { LABEL } from '../../../../services/kubelet/runtime/labels';
import { parseCidr } from '../../../../services/kubelet/runtime/pod-network';

describe('kubelet/runtime small parts', () => {
  it('normalises image references as Docker does', () => {
    assert.equal(normalizeImageRef('nginx'), 'nginx:latest');
    assert.equal(normalizeImageRef('nginx:1.22'), 'nginx:1.22');
    assert.equal(normalizeImageRef('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(normalizeImageRef('localhost:5000/app:v2'), 'localhost:5000/app:v2');
    assert.equal(normalizeImageRef('nginx@sha256:abc'), 'nginx@sha256:abc');
  });

  it('hashes a container spec stably and sensitively', () => {
    const a = Container.fromPartial({ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: {} } });
    const b = Container.fromPartial({ image: 'nginx', name: 'c', resources: { limits: { memory: '1Gi', cpu: '1' }, requests: {} } });
    assert.equal(containerHash(a), containerHash(b));
    assert.match(containerHash(a), /^[0-9a-f]{16}$/);
    assert.notEqual(containerHash(a), containerHash({ ...a, image: 'nginx:1.22' }));
    assert.notEqual(containerHash(a), containerHash({ ...a, args: ['x'] }));
  });

  it('canonicalises a pod CIDR and finds its gateway', () => {
    assert.deepEqual(parseCidr('10.244.1.7/24'), { subnet: '10.244.1.0/24', gateway: '10.244.1.1' });
    assert.deepEqual(parseCidr('10.244.0.0/16'), { subnet: '10.244.0.0/16', gateway: '10.244.0.1' });
    assert.throws(() => parseCidr('10.244.1.0/32'), /between/);
    assert.throws(() => parseCidr('10.300.1.0/24'), /not an IPv4/);
  });

  it('keeps the engine message and drops docker-modem wrapping', () => {
    assert.equal(engineMessage({ statusCode: 404, json: { message: 'No such image: x' }, message: '(HTTP code 404) no such image - No such image: x' }), 'No such image: x');
    assert.equal(engineMessage({ statusCode: 500, json: null, message: '(HTTP code 500) server error - Get "https://r/v2/": no such host ' }), 'Get "https://r/v2/": no such host');
  });

  describe('container status from inspect', () => {
    function info(state: Partial<Docker.ContainerInspectInfo['State']>, labels: Record<string, string> = {}): Docker.ContainerInspectInfo {
      return {
        Id: 'abc',
        Created: '2024-01-01T00:00:00.5Z',
        Image: 'sha256:img',
        Config: { Image: 'nginx:latest', Labels: { [LABEL.podUid]: 'u', [LABEL.containerName]: 'web', [LABEL.restartCount]: '4', [LABEL.containerHash]: 'h', ...labels } },
        State: { Status: 'running', Running: true, OOMKilled: false, ExitCode: 0, Error: '', StartedAt: '2024-01-01T00:00:01Z', FinishedAt: '0001-01-01T00:00:00Z', ...state },
        NetworkSettings: { Networks: { pods: { IPAddress: '10.1.0.2' } } },
      } as unknown as Docker.ContainerInspectInfo;
    }

    it('reads a running container', () => {
      const c = runtimeContainer(info({}));
      assert.equal(c.state, 'running');
      assert.equal(c.name, 'web');
      assert.equal(c.restartCount, 4);
      assert.equal(c.hash, 'h');
      assert.equal(c.startedAt, '2024-01-01T00:00:01Z');
      assert.equal(c.finishedAt, undefined);
      assert.equal(c.exitCode, undefined);
      assert.equal(c.ip, undefined);
    });

    it('gives exited containers Kubernetes reasons', () => {
      const exited = { Status: 'exited', Running: false, FinishedAt: '2024-01-01T00:00:09Z' };
      assert.equal(runtimeContainer(info({ ...exited, ExitCode: 0 })).reason, 'Completed');
      assert.equal(runtimeContainer(info({ ...exited, ExitCode: 2 })).reason, 'Error');
      const oom = runtimeContainer(info({ ...exited, ExitCode: 137, OOMKilled: true }));
      assert.deepEqual([oom.reason, oom.exitCode, oom.oomKilled, oom.finishedAt], ['OOMKilled', 137, true, '2024-01-01T00:00:09Z']);
      const cannot = runtimeContainer(info({ ...exited, ExitCode: 127, Error: 'exec: "x": not found' }));
      assert.deepEqual([cannot.reason, cannot.message], ['ContainerCannotRun', 'exec: "x": not found']);
    });

    it('never reports a start after the finish (Docker stamps the start late)', () => {
      const c = runtimeContainer(info({ Status: 'exited', StartedAt: '2024-01-01T00:00:01.9Z', FinishedAt: '2024-01-01T00:00:01.8Z' }));
      assert.equal(c.startedAt, '2024-01-01T00:00:01.8Z');
    });

    it('reports the pod IP of sandboxes only', () => {
      assert.equal(runtimeContainer(info({}, { [LABEL.sandbox]: 'true', [LABEL.containerName]: 'POD' })).ip, '10.1.0.2');
    });
  });
});
