// The DaemonSet's write path as Kubernetes' SetDefaults_DaemonSet, the daemonset strategy
// (status reset, template generation) and ValidateDaemonSet / ValidateDaemonSetUpdate, and the
// ControllerRevision's ValidateControllerRevision(Update), with Kubernetes' paths and messages.
import assert from 'node:assert/strict';
import { ControllerRevision, DaemonSet } from '../../../../../lib/gen/kite/apps/v1/types';
import {
  defaultDaemonSet,
  prepareDaemonSetForCreate,
  prepareDaemonSetForUpdate,
  TEMPLATE_GENERATION_ANNOTATION,
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDaemonSetUpdate,
} from '../../../../../services/apiserver/registry/validation/daemonset-validation';

function ds(spec: Record<string, unknown> = {}, restartPolicy = 'Always'): DaemonSet {
  const d = DaemonSet.fromPartial({
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { restartPolicy, containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  } as unknown as Parameters<typeof DaemonSet.fromPartial>[0]);
  prepareDaemonSetForCreate(d);
  defaultDaemonSet(d);
  return d;
}

const lines = (causes: { field: string; message: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

describe('DaemonSet defaults and strategy (SetDefaults_DaemonSet, daemonset strategy)', () => {
  it('defaults RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10, the pod template defaults', () => {
    const d = ds();
    assert.deepEqual(d.spec!.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(d.spec!.revisionHistoryLimit, 10);
    assert.equal(d.spec!.template!.spec!.dnsPolicy, 'ClusterFirst');
    assert.equal(d.spec!.template!.spec!.containers[0].imagePullPolicy, 'Always');
    assert.deepEqual(lines(validateDaemonSet(d)), []);
    const onDelete = ds({ updateStrategy: { type: 'OnDelete' } });
    assert.equal(onDelete.spec!.updateStrategy!.rollingUpdate, undefined);
  });

  it('starts at template generation 1 with an empty status and bumps it only when the template changes', () => {
    const d = ds();
    d.status!.numberReady = 3;
    prepareDaemonSetForCreate(d);
    assert.equal(d.status!.numberReady, 0);
    assert.equal(d.metadata!.annotations[TEMPLATE_GENERATION_ANNOTATION], '1');
    const sameTemplate = structuredClone(d);
    sameTemplate.spec!.minReadySeconds = 5;
    prepareDaemonSetForUpdate(sameTemplate, d);
    assert.equal(sameTemplate.metadata!.annotations[TEMPLATE_GENERATION_ANNOTATION], '1');
    const newImage = structuredClone(d);
    newImage.spec!.template!.spec!.containers[0].image = 'busybox:2';
    prepareDaemonSetForUpdate(newImage, d);
    assert.equal(newImage.metadata!.annotations[TEMPLATE_GENERATION_ANNOTATION], '2');
  });
});

describe('ValidateDaemonSet(Update)', () => {
  it('requires a selector matching the template labels and restartPolicy Always', () => {
    assert.deepEqual(lines(validateDaemonSet(ds({ selector: { matchLabels: { app: 'other' } } }))), [
      'spec.template.metadata.labels: Invalid value: {"app":"agent"}: `selector` does not match template `labels`',
    ]);
    assert.deepEqual(lines(validateDaemonSet(ds({ selector: { matchLabels: {} } }))), [
      'spec.selector: Invalid value: {"matchLabels":{},"matchExpressions":[]}: empty selector is invalid for daemonset',
    ]);
    assert.deepEqual(lines(validateDaemonSet(ds({}, 'Never'))), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
    const deadline = ds();
    deadline.spec!.template!.spec!.activeDeadlineSeconds = 5;
    assert.deepEqual(lines(validateDaemonSet(deadline)), ['spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds must be nil for daemonset']);
    assert.deepEqual(lines(validateDaemonSet(ds({ minReadySeconds: -1, revisionHistoryLimit: -2 }))), [
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    ]);
  });

  it('checks the update strategy: its type, maxUnavailable and maxSurge', () => {
    const ru = (rollingUpdate: Record<string, unknown>) => lines(validateDaemonSet(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate } })));
    assert.deepEqual(ru({ maxUnavailable: 0, maxSurge: 0 }), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
    assert.deepEqual(ru({ maxUnavailable: '0%', maxSurge: '0%' }), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
    assert.deepEqual(ru({ maxUnavailable: 1, maxSurge: 1 }), ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero']);
    assert.deepEqual(ru({ maxUnavailable: 0, maxSurge: '20%' }), []);
    assert.deepEqual(ru({ maxUnavailable: '10%', maxSurge: 0 }), []);
    assert.deepEqual(ru({ maxUnavailable: '150%', maxSurge: 0 }), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%']);
    assert.deepEqual(ru({ maxUnavailable: -1, maxSurge: 0 }), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0']);
    assert.deepEqual(ru({ maxUnavailable: '5', maxSurge: 0 }), ["spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"5\": must be an integer or percentage (e.g '5%')"]);
    assert.deepEqual(ru({ maxUnavailable: 'x', maxSurge: 0 }), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
    assert.deepEqual(lines(validateDaemonSet(ds({ updateStrategy: { type: 'Recreate' } }))), [
      'spec.updateStrategy: Unsupported value: "Recreate": supported values: "RollingUpdate", "OnDelete"',
    ]);
  });

  it('keeps the selector immutable', () => {
    const old = ds();
    const next = ds({ selector: { matchLabels: { app: 'agent' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: [] }] } });
    assert.deepEqual(lines(validateDaemonSetUpdate(next, old)), [
      'spec.selector: Invalid value: {"matchLabels":{"app":"agent"},"matchExpressions":[{"key":"tier","operator":"DoesNotExist","values":[]}]}: field is immutable',
    ]);
    assert.deepEqual(lines(validateDaemonSetUpdate(ds({ minReadySeconds: 3 }), old)), []);
  });
});

describe('ValidateControllerRevision(Update)', () => {
  const rev = (data: Record<string, unknown> | undefined, revision = 1) =>
    ControllerRevision.fromPartial({ metadata: { name: 'agent-abc', namespace: 'default' }, data, revision });
  it('requires data and a non-negative revision; data is immutable, the revision number is not', () => {
    assert.deepEqual(lines(validateControllerRevision(rev(undefined, -1))), [
      'data: Required value: data is mandatory',
      'revision: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.deepEqual(lines(validateControllerRevisionUpdate(rev({ a: 1 }, 5), rev({ a: 1 }, 1))), []);
    assert.deepEqual(lines(validateControllerRevisionUpdate(rev({ a: 2 }), rev({ a: 1 }))), ['data: Invalid value: "object": field is immutable']);
  });
});
