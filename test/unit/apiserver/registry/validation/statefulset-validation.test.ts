// The StatefulSet's write path as Kubernetes' SetDefaults_StatefulSet and ValidateStatefulSet /
// ValidateStatefulSetUpdate, with Kubernetes' field paths and messages.
import assert from 'node:assert/strict';
import { StatefulSet } from '../../../../../lib/gen/kite/apps/v1/types';
import {
  defaultStatefulSet, prepareStatefulSetForCreate, validateStatefulSet, validateStatefulSetStatusUpdate, validateStatefulSetUpdate,
} from '../../../../../services/apiserver/registry/validation/statefulset-validation';
import { validateDaemonSetStatusUpdate } from '../../../../../services/apiserver/registry/validation/daemonset-validation';
import { DaemonSet } from '../../../../../lib/gen/kite/apps/v1/types';

function sts(spec: Record<string, unknown> = {}): StatefulSet {
  const s = StatefulSet.fromPartial({
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      ...spec,
    },
  } as unknown as Parameters<typeof StatefulSet.fromPartial>[0]);
  prepareStatefulSetForCreate(s);
  defaultStatefulSet(s);
  return s;
}

const lines = (s: StatefulSet) => validateStatefulSet(s).map((c) => `${c.field}: ${c.message}`);

describe('StatefulSet defaults (SetDefaults_StatefulSet)', () => {
  it('defaults OrderedReady, RollingUpdate with partition 0, Retain/Retain, 1 replica, 10 revisions, the pod template', () => {
    const s = sts().spec!;
    assert.equal(s.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(s.replicas, 1);
    assert.equal(s.revisionHistoryLimit, 10);
    assert.equal(s.template!.spec!.restartPolicy, 'Always');
    assert.equal(s.template!.spec!.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(lines(sts()), []);
  });

  it('leaves an OnDelete strategy without rollingUpdate and a set partition alone', () => {
    assert.deepEqual(sts({ updateStrategy: { type: 'OnDelete' } }).spec!.updateStrategy, { type: 'OnDelete', rollingUpdate: undefined });
    assert.equal(sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }).spec!.updateStrategy!.rollingUpdate!.partition, 2);
  });

  it('defaults claim templates to Filesystem volumes in phase Pending', () => {
    const s = sts({ volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] });
    const claim = s.spec!.volumeClaimTemplates[0];
    assert.equal(claim.spec!.volumeMode, 'Filesystem');
    assert.equal(claim.status!.phase, 'Pending');
  });
});

describe('ValidateStatefulSet', () => {
  it('requires a selector that matches the template labels, and restartPolicy Always', () => {
    assert.deepEqual(lines(sts({ selector: undefined })), ['spec.selector: Required value']);
    assert.deepEqual(lines(sts({ selector: { matchLabels: { app: 'other' } } })), [
      'spec.template.metadata.labels: Invalid value: {"app":"nginx"}: `selector` does not match template `labels`',
    ]);
    assert.ok(lines(sts({ selector: { matchLabels: {}, matchExpressions: [] } })).includes(
      'spec.selector: Invalid value: {"matchLabels":{},"matchExpressions":[]}: empty selector is invalid for statefulset',
    ));
    const never = sts({
      template: { metadata: { labels: { app: 'nginx' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'nginx', image: 'nginx' }] } },
    });
    assert.deepEqual(lines(never), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });

  it('takes a container mounting a claim template (the pod spec is not validated, as in Kubernetes)', () => {
    const s = sts({
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
    assert.deepEqual(lines(s), []);
  });

  it('needs a name that is a DNS label on create, not on update', () => {
    const dotted = sts();
    dotted.metadata!.name = 'web.v1';
    assert.equal(lines(dotted).length, 1);
    assert.match(lines(dotted)[0], /^metadata\.name: Invalid value: "web\.v1": a lowercase RFC 1123 label/);
    assert.deepEqual(validateStatefulSetUpdate(dotted, dotted), []);
  });

  it('checks policies, strategy, retention and counts', () => {
    assert.deepEqual(lines(sts({ podManagementPolicy: 'Random' })), ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"]);
    assert.deepEqual(lines(sts({ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } })), [
      "spec.updateStrategy.rollingUpdate: Invalid value: {\"partition\":1}: only allowed for updateStrategy 'RollingUpdate'",
    ]);
    assert.deepEqual(lines(sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } })), [
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    ]);
    assert.deepEqual(lines(sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Delete' } })), [
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Delete", "Retain"',
    ]);
    assert.deepEqual(lines(sts({ replicas: -1, ordinals: { start: -2 }, minReadySeconds: -3 })), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0',
      'spec.minReadySeconds: Invalid value: -3: must be greater than or equal to 0',
    ]);
  });
});

describe('ValidateStatefulSetUpdate', () => {
  it('allows replicas, ordinals, template, updateStrategy, retention, minReadySeconds and revisionHistoryLimit to change', () => {
    const old = sts();
    const next = sts({
      replicas: 5, ordinals: { start: 3 }, minReadySeconds: 10, revisionHistoryLimit: 2,
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      template: { metadata: { labels: { app: 'nginx', v: '2' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } },
    });
    assert.deepEqual(validateStatefulSetUpdate(next, old), []);
  });

  it('forbids changes to any other spec field', () => {
    const forbidden = [{
      field: 'spec',
      message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    }];
    assert.deepEqual(validateStatefulSetUpdate(sts({ serviceName: 'other' }), sts()), forbidden);
    assert.deepEqual(validateStatefulSetUpdate(sts({ podManagementPolicy: 'Parallel' }), sts()), forbidden);
    const claims = { volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }] };
    assert.deepEqual(validateStatefulSetUpdate(sts(claims), sts()), forbidden);
  });
});

describe('StatefulSet and DaemonSet status updates (ValidateStatefulSetStatusUpdate, ValidateDaemonSetStatusUpdate)', () => {
  const withStatus = (status: Record<string, unknown>) => ({ ...sts(), status: { ...sts().status!, ...status } }) as StatefulSet;
  const statusLines = (now: StatefulSet, old: StatefulSet) => validateStatefulSetStatusUpdate(now, old).map((c) => `${c.field}: ${c.message}`);

  it('accepts consistent counts', () => {
    assert.deepEqual(statusLines(withStatus({ replicas: 3, readyReplicas: 2, currentReplicas: 3, updatedReplicas: 1, availableReplicas: 2, collisionCount: 1 }), sts()), []);
  });

  it('refuses negative counts and counts above what contains them, with Kubernetes\' messages', () => {
    assert.deepEqual(statusLines(withStatus({ replicas: 2, readyReplicas: 3, currentReplicas: -1, availableReplicas: 3 }), sts()), [
      'status.currentReplicas: Invalid value: -1: must be greater than or equal to 0',
      'status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
    ]);
    assert.deepEqual(statusLines(withStatus({ replicas: 3, readyReplicas: 1, availableReplicas: 2 }), sts()), [
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.readyReplicas',
    ]);
  });

  it('a collisionCount never goes down, for either kind', () => {
    assert.deepEqual(statusLines(withStatus({ collisionCount: 1 }), withStatus({ collisionCount: 2 })), ['status.collisionCount: Invalid value: 1: cannot be decremented']);
    const ds = (status: Record<string, unknown>) => DaemonSet.fromPartial({ metadata: { name: 'd' }, status } as Parameters<typeof DaemonSet.fromPartial>[0]);
    assert.deepEqual(validateDaemonSetStatusUpdate(ds({ collisionCount: 0, numberReady: -2 }), ds({ collisionCount: 3 })).map((c) => `${c.field}: ${c.message}`), [
      'status.numberReady: Invalid value: -2: must be greater than or equal to 0',
      'status.collisionCount: Invalid value: 0: cannot be decremented',
    ]);
    assert.deepEqual(validateDaemonSetStatusUpdate(ds({ collisionCount: 4 }), ds({ collisionCount: 3 })), []);
  });
});
