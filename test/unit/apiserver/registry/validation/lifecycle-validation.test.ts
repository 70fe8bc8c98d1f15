// Validation and defaulting of container lifecycle hooks (postStart / preStop), with Kubernetes'
// field paths and messages.
import assert from 'node:assert/strict';
import { Pod, type Container } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { validatePod } from '../../../../../services/apiserver/registry/validation/validation';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The pod as stored: defaulted, then validated; returns "field: message" lines. */
function causes(container: DeepPartial<Container>, spec: Record<string, unknown> = {}): string[] {
  const pod = Pod.fromPartial({
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'web', image: 'nginx:1.22', ...container }], ...spec },
  });
  defaultPod(pod, DEFAULT_DEFAULTING);
  return validatePod(pod).map((c) => `${c.field}: ${c.message}`);
}

describe('apiserver admission: container lifecycle hooks', () => {
  it('accepts the hooks users write: preStop exec or sleep, postStart httpGet', () => {
    assert.deepEqual(causes({ lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } }), []);
    assert.deepEqual(causes({ lifecycle: { preStop: { sleep: { seconds: 5 } } } }), []);
    assert.deepEqual(causes({ lifecycle: { preStop: { sleep: { seconds: 0 } } } }), []);
    assert.deepEqual(causes({ lifecycle: { postStart: { httpGet: { port: 80 } }, preStop: { tcpSocket: { port: 'http' } } } }), []);
  });

  it('defaults an httpGet hook\'s path and scheme as for probes', () => {
    const pod = Pod.fromPartial({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx:1.22', lifecycle: { postStart: { httpGet: { port: 80 } } } }] } });
    defaultPod(pod, DEFAULT_DEFAULTING);
    const h = pod.spec!.containers[0].lifecycle!.postStart!.httpGet!;
    assert.equal(h.path, '/');
    assert.equal(h.scheme, 'HTTP');
  });

  it('requires exactly one handler type per hook', () => {
    assert.deepEqual(causes({ lifecycle: { preStop: {} } }), ['spec.containers[0].lifecycle.preStop: Required value: must specify a handler type']);
    assert.deepEqual(causes({ lifecycle: { postStart: { exec: { command: ['true'] }, httpGet: { port: 80 }, sleep: { seconds: 1 } } } }), [
      'spec.containers[0].lifecycle.postStart.httpGet: Forbidden: may not specify more than 1 handler type',
      'spec.containers[0].lifecycle.postStart.sleep: Forbidden: may not specify more than 1 handler type',
    ]);
  });

  it('checks each handler: exec needs a command, ports must be valid', () => {
    assert.deepEqual(causes({ lifecycle: { preStop: { exec: { command: [] } } } }), ['spec.containers[0].lifecycle.preStop.exec.command: Required value']);
    assert.deepEqual(causes({ lifecycle: { postStart: { httpGet: { port: 70000 } } } }), [
      'spec.containers[0].lifecycle.postStart.httpGet.port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
  });

  it('keeps a sleep non-negative and within terminationGracePeriodSeconds', () => {
    assert.deepEqual(causes({ lifecycle: { preStop: { sleep: { seconds: -1 } } } }), [
      'spec.containers[0].lifecycle.preStop.sleep: Invalid value: -1: must be non-negative and less than terminationGracePeriodSeconds (30)',
    ]);
    assert.deepEqual(causes({ lifecycle: { preStop: { sleep: { seconds: 11 } } } }, { terminationGracePeriodSeconds: 10 }), [
      'spec.containers[0].lifecycle.preStop.sleep: Invalid value: 11: must be non-negative and less than terminationGracePeriodSeconds (10)',
    ]);
    assert.deepEqual(causes({ lifecycle: { preStop: { sleep: { seconds: 10 } } } }, { terminationGracePeriodSeconds: 10 }), []);
  });

  it('forbids hooks on init containers', () => {
    const pod = Pod.fromPartial({
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        initContainers: [{ name: 'init', image: 'busybox:1.36', lifecycle: { preStop: { sleep: { seconds: 1 } } } }],
        containers: [{ name: 'web', image: 'nginx:1.22' }],
      },
    });
    defaultPod(pod, DEFAULT_DEFAULTING);
    assert.deepEqual(validatePod(pod).map((c) => `${c.field}: ${c.message}`), [
      'spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always',
    ]);
  });
});
