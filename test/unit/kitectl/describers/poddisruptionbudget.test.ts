// `describe poddisruptionbudget` as kubectl's describePodDisruptionBudgetV1 prints it (kubectl's
// own output is compared in test/integration/kubectl/describe-storage-kubectl.test.ts).
import { strict as assert } from 'node:assert';
import { PodDisruptionBudget } from '../../../../lib/gen/kite/policy/v1/types';
import { describePodDisruptionBudget } from '../../../../services/kitectl/describers/poddisruptionbudget';

describe('describe poddisruptionbudget', () => {
  it('prints minAvailable, the selector and the status counts', () => {
    const pdb = PodDisruptionBudget.fromPartial({
      metadata: { name: 'web', namespace: 'd' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
      status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
    });
    assert.equal(describePodDisruptionBudget(pdb, []), [
      'Name:           web',
      'Namespace:      d',
      'Min available:  2',
      'Selector:       app=web',
      'Status:',
      '    Allowed disruptions:  1',
      '    Current:              3',
      '    Desired:              2',
      '    Total:                3',
      'Events:                   <none>',
      '',
    ].join('\n'));
  });

  it('prints maxUnavailable and an unset selector', () => {
    const out = describePodDisruptionBudget(PodDisruptionBudget.fromPartial({ metadata: { name: 'p', namespace: 'd' }, spec: { maxUnavailable: '25%' } }), undefined);
    assert.match(out, /^Name:\s+p\nNamespace:\s+d\nMax unavailable:\s+25%\nSelector:\s+<unset>\nStatus:\n/);
  });
});
