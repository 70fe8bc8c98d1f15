// Validation of a pod's inter-pod affinity and topology spread constraints with Kubernetes' field
// paths and messages, and the merge of affinity terms' matchLabelKeys / mismatchLabelKeys into
// their labelSelector at creation.
import assert from 'node:assert/strict';
import { Pod, type PodSpec } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { applyMatchLabelKeys } from '../../../../../services/apiserver/registry/validation/pod-affinity-validation';
import { validatePod } from '../../../../../services/apiserver/registry/validation/validation';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function pod(spec: DeepPartial<PodSpec>, labels: Record<string, string> = {}): Pod {
  const p = Pod.fromPartial({ metadata: { name: 'web', namespace: 'default', labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.22' }], ...spec } });
  defaultPod(p, DEFAULT_DEFAULTING);
  return p;
}

function causes(spec: DeepPartial<PodSpec>): string[] {
  return validatePod(pod(spec)).map((c) => `${c.field}: ${c.message}`);
}

const selector = { matchLabels: { app: 'web' } };
const AFF = 'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';
const ANTI_PREF = 'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]';
const TSC = 'spec.topologySpreadConstraints';

describe('apiserver admission: pod affinity and anti-affinity', () => {
  it('accepts well-formed terms', () => {
    assert.deepEqual(
      causes({
        affinity: {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'topology.kubernetes.io/zone', namespaces: ['shop'] }] },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: 'kubernetes.io/hostname', namespaceSelector: {} } }] },
        },
      }),
      [],
    );
  });

  it('requires a topologyKey that is a qualified name', () => {
    assert.deepEqual(causes({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: '' }] } } }), [
      `${AFF}.topologyKey: Required value: can not be empty`,
      `${AFF}.topologyKey: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters`,
    ]);
    assert.deepEqual(causes({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'bad key!' }] } } }), [
      `${AFF}.topologyKey: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters`,
    ]);
  });

  it('requires weights from 1 to 100', () => {
    for (const weight of [0, 101]) {
      assert.deepEqual(
        causes({ affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: { labelSelector: selector, topologyKey: 'zone' } }] } } }),
        [`${ANTI_PREF}.weight: Invalid value: ${weight}: must be in the range 1-100`],
      );
    }
  });

  it('checks the selectors, namespaces and label keys', () => {
    assert.deepEqual(
      causes({
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              {
                labelSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] },
                namespaces: ['Bad_NS'],
                topologyKey: 'zone',
                matchLabelKeys: ['rev'],
                mismatchLabelKeys: ['rev'],
              },
            ],
          },
        },
      }),
      [
        `${AFF}.labelSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator`,
        `${AFF}.namespace: Invalid value: "Bad_NS": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        `${AFF}.matchLabelKeys[0]: Invalid value: "rev": exists in both matchLabelKeys and mismatchLabelKeys`,
      ],
    );
    assert.deepEqual(causes({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', matchLabelKeys: ['rev'] }] } } }), [
      `${AFF}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`,
    ]);
  });

  it('merges matchLabelKeys (In) and mismatchLabelKeys (NotIn) with the pod\'s values into the selector at creation', () => {
    const p = pod(
      {
        affinity: {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'zone', matchLabelKeys: ['rev', 'absent'], mismatchLabelKeys: ['tenant'] }] },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'zone' } }] },
        },
      },
      { app: 'web', rev: 'abc', tenant: 't1' },
    );
    applyMatchLabelKeys(p);
    assert.deepEqual(p.spec!.affinity!.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector!.matchExpressions, [
      { key: 'rev', operator: 'In', values: ['abc'] },
      { key: 'tenant', operator: 'NotIn', values: ['t1'] },
    ]);
    // A term without a selector selects nothing and stays so.
    assert.equal(p.spec!.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm!.labelSelector, undefined);
    assert.deepEqual(validatePod(p), []);
    // A key the selector already names, merged again, is refused.
    const twice = pod({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { rev: 'abc' } }, topologyKey: 'zone', matchLabelKeys: ['rev'] }] } } }, { rev: 'abc' });
    applyMatchLabelKeys(twice);
    assert.deepEqual(validatePod(twice).map((c) => `${c.field}: ${c.message}`), [`${AFF}.matchLabelKeys[0]: Invalid value: "rev": exists in both matchLabelKeys and labelSelector`]);
  });
});

describe('apiserver admission: pod topology spread constraints', () => {
  const c = (extra: object) => ({ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector, ...extra });

  it('accepts well-formed constraints', () => {
    assert.deepEqual(causes({ topologySpreadConstraints: [c({ minDomains: 3, nodeAffinityPolicy: 'Ignore', nodeTaintsPolicy: 'Honor', matchLabelKeys: ['pod-template-hash'] }), c({ whenUnsatisfiable: 'ScheduleAnyway' })] }), []);
  });

  it("refuses what Kubernetes refuses, with its messages", () => {
    assert.deepEqual(causes({ topologySpreadConstraints: [c({ maxSkew: 0, topologyKey: '', whenUnsatisfiable: 'Sometimes' })] }), [
      `${TSC}[0].maxSkew: Invalid value: 0: must be greater than zero`,
      `${TSC}[0].topologyKey: Required value: can not be empty`,
      `${TSC}[0].whenUnsatisfiable: Unsupported value: "Sometimes": supported values: "DoNotSchedule", "ScheduleAnyway"`,
    ]);
    assert.deepEqual(causes({ topologySpreadConstraints: [c({ minDomains: 0, whenUnsatisfiable: 'ScheduleAnyway' })] }), [
      `${TSC}[0].minDomains: Invalid value: 0: must be greater than zero`,
      `${TSC}[0].minDomains: Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway`,
    ]);
    assert.deepEqual(causes({ topologySpreadConstraints: [c({}), c({ maxSkew: 2 })] }), [`${TSC}[0].{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"`]);
    assert.deepEqual(causes({ topologySpreadConstraints: [c({ nodeAffinityPolicy: 'Always', nodeTaintsPolicy: 'honor' })] }), [
      `${TSC}[0].nodeAffinityPolicy: Unsupported value: "Always": supported values: "Honor", "Ignore"`,
      `${TSC}[0].nodeTaintsPolicy: Unsupported value: "honor": supported values: "Honor", "Ignore"`,
    ]);
    assert.deepEqual(causes({ topologySpreadConstraints: [c({ matchLabelKeys: ['app'] })] }), [`${TSC}[0].matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`]);
  });
});
