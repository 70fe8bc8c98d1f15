import { strict as assert } from 'node:assert';
import { BadRequestError } from '../../../../lib/api/errors';
import {
  NOTHING,
  labelsToSelectorString,
  parseFieldSelector,
  parseLabelSelector,
  selectorFromLabelSelector,
} from '../../../../lib/api/selectors';

describe('label selectors', () => {
  const labels = { app: 'nginx', tier: 'web', 'example.com/team': 'a' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=nginx', true],
    ['app==nginx', true],
    ['app=redis', false],
    ['app!=redis', true],
    ['app!=nginx', false],
    ['missing!=x', true],
    ['app in (nginx,redis)', true],
    ['app in (redis)', false],
    ['app notin (redis)', true],
    ['app notin (nginx, redis)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['app=nginx,tier=web', true],
    ['app=nginx,tier=db', false],
    ['example.com/team=a', true],
    ['app in (nginx),!missing,tier', true],
  ];
  for (const [sel, want] of cases) {
    it(`"${sel}" -> ${want}`, () => assert.equal(parseLabelSelector(sel).matches(labels), want));
  }

  it('rejects malformed selectors with INVALID_ARGUMENT', () => {
    for (const bad of ['app in nginx', 'a b', '=x', 'app=has space', 'app in (a', '-bad=x']) {
      assert.throws(() => parseLabelSelector(bad), BadRequestError, bad);
    }
  });

  it('round-trips through toString', () => {
    const s = parseLabelSelector('app in (a,b),tier!=db,x,!y');
    assert.equal(s.toString(), 'app in (a,b),tier!=db,x,!y');
    assert.equal(parseLabelSelector(s.toString()).toString(), s.toString());
  });

  it('converts metav1.LabelSelector: nil matches nothing, empty matches everything', () => {
    assert.equal(selectorFromLabelSelector(undefined), NOTHING);
    assert.equal(NOTHING.matches({}), false);
    assert.equal(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).matches({ a: 'b' }), true);
    const s = selectorFromLabelSelector({
      matchLabels: { app: 'nginx' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
    });
    assert.equal(s.matches({ app: 'nginx', tier: 'web' }), true);
    assert.equal(s.matches({ app: 'nginx', tier: 'db' }), false);
    assert.throws(() => selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [{ key: 'a', operator: 'Gt', values: [] }] }));
  });

  it('formats map selectors sorted', () => {
    assert.equal(labelsToSelectorString({ b: '2', a: '1' }), 'a=1,b=2');
  });
});

describe('field selectors', () => {
  const fields: Record<string, string> = { 'metadata.name': 'web-1', 'spec.nodeName': '' };
  const get = (f: string) => fields[f];
  it('matches = and != including empty values', () => {
    assert.equal(parseFieldSelector('metadata.name=web-1').matches(get), true);
    assert.equal(parseFieldSelector('metadata.name==web-2').matches(get), false);
    assert.equal(parseFieldSelector('spec.nodeName=').matches(get), true);
    assert.equal(parseFieldSelector('spec.nodeName!=').matches(get), false);
    assert.equal(parseFieldSelector('metadata.name=web-1,spec.nodeName!=n1').matches(get), true);
  });
  it('rejects unsupported fields and bad syntax', () => {
    assert.throws(() => parseFieldSelector('spec.foo=x', ['metadata.name']), /field label not supported/);
    assert.throws(() => parseFieldSelector('nonsense'), BadRequestError);
  });
});
