import { strict as assert } from 'node:assert';
import { labelPatch, parseChanges } from '../../../services/kitectl/label';

describe('label / annotate', () => {
  it('splits resources from key=value and key- changes', () => {
    assert.deepEqual(parseChanges(['pods', 'web', 'tier=db', 'old-']), { resources: ['pods', 'web'], changes: { set: { tier: 'db' }, remove: ['old'] } });
    assert.throws(() => parseChanges(['pods', 'web']), /at least one label update is required/);
  });

  it('refuses to change a value without --overwrite, and builds a merge patch', () => {
    const changes = { set: { tier: 'db', app: 'web' }, remove: ['gone', 'absent'] };
    assert.throws(() => labelPatch({ tier: 'web' }, changes, false), /'tier' already has a value \(web\), and --overwrite is false/);
    assert.deepEqual(labelPatch({ tier: 'web', app: 'web', gone: 'x' }, changes, true), { tier: 'db', app: 'web', gone: null });
  });
});
