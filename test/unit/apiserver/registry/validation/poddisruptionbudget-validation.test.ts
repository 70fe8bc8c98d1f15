// PodDisruptionBudget validation as Kubernetes' ValidatePodDisruptionBudget, table-driven, with its
// field paths and messages, and the policy/v1 strategy on a real registry (status reset on create,
// a mutable spec, status only through the subresource).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidError } from '../../../../../lib/api/errors';
import { PodDisruptionBudgets } from '../../../../../lib/api/kinds';
import { PodDisruptionBudget } from '../../../../../lib/gen/kite/policy/v1/types';
import { DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { Registry } from '../../../../../services/apiserver/registry/registry';
import { ServiceAllocators } from '../../../../../services/apiserver/registry/service-allocators';
import { strategies } from '../../../../../services/apiserver/registry/strategies';
import { validatePodDisruptionBudget } from '../../../../../services/apiserver/registry/validation/poddisruptionbudget-validation';
import { SqliteStorage } from '../../../../../services/apiserver/storage';

type Spec = Partial<Omit<NonNullable<PodDisruptionBudget['spec']>, 'selector'>> & { selector?: Record<string, unknown> };
const pdb = (spec: Spec, name = 'web-pdb') => PodDisruptionBudget.fromPartial({ metadata: { name, namespace: 'default' }, spec } as Parameters<typeof PodDisruptionBudget.fromPartial>[0]);
const lines = (spec: Spec) => validatePodDisruptionBudget(pdb(spec)).map((c) => `${c.field}: ${c.message}`);
const selector = { matchLabels: { app: 'web' } };

describe('PodDisruptionBudget validation (Kubernetes ValidatePodDisruptionBudget)', () => {
  it('accepts counts, percentages up to 100%, both eviction policies, and an empty selector', () => {
    for (const spec of <Spec[]>[
      { minAvailable: 2, selector },
      { minAvailable: '100%', selector },
      { maxUnavailable: 0, selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      { maxUnavailable: '25%', selector: {}, unhealthyPodEvictionPolicy: 'IfHealthyBudget' },
      {},
    ]) {
      assert.deepEqual(lines(spec), [], JSON.stringify(spec));
    }
  });

  const cases: [string, Spec, string[]][] = [
    ['both minAvailable and maxUnavailable', { minAvailable: 1, maxUnavailable: 1 }, ['spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']],
    ['a negative count', { minAvailable: -1 }, ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']],
    ['a percentage over 100%', { maxUnavailable: '101%' }, ['spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%']],
    [
      'a string that is no percentage',
      { minAvailable: 'two' },
      ["spec.minAvailable: Invalid value: \"two\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"],
    ],
    ['an unknown eviction policy', { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' }, ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']],
    ['a bad selector operator', { minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: [] }] } }, ['spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator']],
  ];
  for (const [title, spec, want] of cases) {
    it(`refuses ${title}`, () => assert.deepEqual(lines(spec), want));
  }

  describe('the policy/v1 strategy', () => {
    let dir: string;
    let storage: SqliteStorage;
    let pdbs: Registry<PodDisruptionBudget>;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kite-pdb-'));
      storage = new SqliteStorage({ path: join(dir, 'kite.db') });
      const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
      pdbs = new Registry(PodDisruptionBudgets, storage, byKind.get(PodDisruptionBudgets)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
    });
    afterEach(async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('resets status on create, keeps it on a spec update (which bumps the generation), and validates updates', async () => {
      const input = pdb({ minAvailable: 2, selector });
      input.status = { observedGeneration: 5, disruptedPods: { x: '2024-01-01T00:00:00Z' }, disruptionsAllowed: 9, currentHealthy: 9, desiredHealthy: 0, expectedPods: 9, conditions: [] };
      const created = await pdbs.create('default', input);
      assert.deepEqual([created.status!.disruptionsAllowed, created.status!.disruptedPods, created.metadata!.generation], [0, {}, 1]);
      const withStatus = await pdbs.updateStatus({ ...created, status: { ...created.status!, disruptionsAllowed: 1, observedGeneration: 1 } });
      const updated = await pdbs.update({ ...withStatus, spec: { ...withStatus.spec!, minAvailable: '50%' }, status: { ...withStatus.status!, disruptionsAllowed: 7 } });
      assert.deepEqual([updated.spec!.minAvailable, updated.status!.disruptionsAllowed, updated.metadata!.generation], ['50%', 1, 2]);
      await assert.rejects(pdbs.update({ ...updated, spec: { ...updated.spec!, maxUnavailable: 1 } }), InvalidError);
    });
  });
});
