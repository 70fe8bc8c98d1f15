// Validation of sidecar containers (Kubernetes' SidecarContainers): restartPolicy Always on init
// containers only, and probes and hooks allowed on those, with Kubernetes' paths and messages.
import assert from 'node:assert/strict';
import { Pod, type Container } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { validatePod } from '../../../../../services/apiserver/registry/validation/validation';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** The pod as stored (defaulted, then validated) with one init container; "field: message" lines. */
function causes(init: DeepPartial<Container>, app: DeepPartial<Container> = {}, restartPolicy = 'Always'): string[] {
  const pod = Pod.fromPartial({
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      restartPolicy,
      initContainers: [{ name: 'side', image: 'busybox:1.36', ...init }],
      containers: [{ name: 'web', image: 'nginx:1.22', ...app }],
    },
  });
  defaultPod(pod, DEFAULT_DEFAULTING);
  return validatePod(pod).map((c) => `${c.field}: ${c.message}`);
}

const probe = { exec: { command: ['true'] } };

describe('apiserver admission: sidecar containers', () => {
  it('accepts restartPolicy Always on an init container, with probes and hooks, whatever the pod restartPolicy', () => {
    const sidecar = { restartPolicy: 'Always', livenessProbe: probe, readinessProbe: probe, startupProbe: probe, lifecycle: { preStop: { sleep: { seconds: 1 } } } };
    for (const policy of ['Always', 'OnFailure', 'Never']) assert.deepEqual(causes(sidecar, {}, policy), [], policy);
  });

  it('allows only Always on an init container', () => {
    assert.deepEqual(causes({ restartPolicy: 'Never' }), ['spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"']);
    assert.deepEqual(causes({ restartPolicy: 'OnFailure' }), ['spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"']);
  });

  it('forbids restartPolicy on regular containers', () => {
    assert.deepEqual(causes({}, { restartPolicy: 'Always' }), ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers']);
  });

  it('forbids probes and hooks on plain init containers', () => {
    assert.deepEqual(causes({ livenessProbe: probe, readinessProbe: probe, startupProbe: probe, lifecycle: { postStart: { exec: { command: ['true'] } } } }), [
      'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always',
    ]);
  });

  it('validates a sidecar\'s probes as a regular container\'s', () => {
    assert.deepEqual(causes({ restartPolicy: 'Always', readinessProbe: { periodSeconds: -1, exec: { command: ['true'] } } }), [
      'spec.initContainers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
});
