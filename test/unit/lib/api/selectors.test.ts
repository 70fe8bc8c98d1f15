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

describe('label selectors: keys, values and syntax as Kubernetes parses them', () => {
  it('refuses an empty requirement, as after a trailing or doubled comma', () => {
    for (const bad of ['a=b,', 'a=b,,c', ',a']) {
      assert.throws(() => parseLabelSelector(bad), (e: Error) => e instanceof BadRequestError && e.message === `invalid label selector "${bad}": found '', expected: identifier after ','`, bad);
    }
  });

  it('reads an empty item of a set as the empty value: "in (x,)" is {x, ""} and "in ()" is {""}', () => {
    assert.equal(parseLabelSelector('app in (x,)').matches({ app: '' }), true);
    assert.equal(parseLabelSelector('app in (x,)').matches({ app: 'x' }), true);
    assert.equal(parseLabelSelector('app in ()').matches({ app: '' }), true);
    assert.equal(parseLabelSelector('app in ()').matches({ app: 'x' }), false);
    assert.equal(parseLabelSelector('app notin (x,)').matches({ app: '' }), false);
  });

  const reqs = (s: string) => parseLabelSelector(s).requirements;
  const rejects = (s: string, message?: RegExp) => assert.throws(() => parseLabelSelector(s), (e: unknown) => e instanceof BadRequestError && (!message || message.test(e.message)), s);

  it('label keys: an optional DNS-subdomain prefix of up to 253 characters and a name of up to 63', () => {
    const prefix = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`; // 253
    const name = 'n'.repeat(63);
    assert.equal(reqs(`${prefix}/${name}`)[0].key.length, 317);
    assert.equal(reqs('k8s.io/a_b.c-d')[0].key, 'k8s.io/a_b.c-d');
    rejects(`${prefix}x/${name}`, /invalid label key/);
    rejects(`${prefix}/${name}x`, /invalid label key/);
    rejects(`${'n'.repeat(64)}=x`, /invalid label key/);
    for (const bad of ['Example.com/a', 'a./b', 'a..b/c', 'a_b/c', '-a.b/c', 'a.b-/c', 'a/', 'a/b/c', 'a-', '_a']) rejects(bad, /invalid label key/);
  });

  it('label values: up to 63 characters, alphanumeric at both ends, empty allowed', () => {
    assert.deepEqual(reqs(`a=${'v'.repeat(63)}`)[0].values, ['v'.repeat(63)]);
    assert.deepEqual(reqs('a=x.y_z-1')[0].values, ['x.y_z-1']);
    assert.deepEqual(reqs('a=')[0].values, ['']);
    rejects(`a=${'v'.repeat(64)}`, /invalid label value/);
    for (const bad of ['a=-x', 'a=x-', 'a in (x,-y)', 'a notin (x_)']) rejects(bad, /invalid label value/);
  });

  it('set values: whitespace around them is ignored, and "()" is the set holding the empty value', () => {
    assert.deepEqual(reqs('app in ( a , b )')[0].values, ['a', 'b']);
    assert.equal(parseLabelSelector('app in ()').matches({ app: '' }), true);
    assert.equal(parseLabelSelector('app in ()').matches({ app: 'a' }), false);
    assert.equal(parseLabelSelector('app  in(nginx)').matches({ app: 'nginx' }), true);
  });

  it('whitespace around terms and operators is ignored', () => {
    assert.equal(parseLabelSelector(' app = nginx , tier ').matches({ app: 'nginx', tier: 'web' }), true);
    assert.equal(parseLabelSelector('!  tier').matches({ app: 'nginx' }), true);
  });

  it('rejects trailing garbage and stray tokens', () => {
    for (const bad of ['app in (a) x', 'x app in (a)', 'x y=z', 'x !y', '!a b']) rejects(bad, /unable to parse requirement/);
  });

  it('requirements: equality has its one value, existence none', () => {
    assert.deepEqual(reqs('a=1,b!=2,c,!d'), [
      { key: 'a', operator: 'Equals', values: ['1'] },
      { key: 'b', operator: 'NotEquals', values: ['2'] },
      { key: 'c', operator: 'Exists', values: [] },
      { key: 'd', operator: 'DoesNotExist', values: [] },
    ]);
    assert.equal(parseLabelSelector('a=1,b notin (x,y)').toString(), 'a=1,b notin (x,y)');
  });

  it('empty: the empty selector is, Nothing is not', () => {
    assert.equal(parseLabelSelector('').empty(), true);
    assert.equal(parseLabelSelector('a').empty(), false);
    assert.equal(NOTHING.empty(), false);
    assert.deepEqual(NOTHING.requirements, []);
  });

  it('metav1.LabelSelector: matchLabels by key, every expression operator, expressions optional', () => {
    assert.equal(selectorFromLabelSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [] }).toString(), 'a=1,b=2');
    assert.equal(selectorFromLabelSelector({ matchLabels: { a: '1' } } as any).matches({ a: '1' }), true);
    const s = selectorFromLabelSelector({
      matchLabels: {},
      matchExpressions: [
        { key: 'a', operator: 'In', values: ['1'] },
        { key: 'b', operator: 'NotIn', values: ['2'] },
        { key: 'c', operator: 'Exists', values: [] },
        { key: 'd', operator: 'DoesNotExist', values: [] },
      ],
    });
    assert.equal(s.matches({ a: '1', b: '3', c: '' }), true);
    assert.equal(s.matches({ a: '1', b: '3', c: '', d: '' }), false);
    assert.throws(() => selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [{ key: 'a', operator: 'Equals', values: ['1'] }] }), /invalid label selector operator "Equals"/);
  });
});

describe('field selectors: terms and requirements', () => {
  const fields: Record<string, string> = { 'metadata.name': 'web-1' };
  const get = (f: string) => fields[f];

  it('every requirement must hold; a missing field is the empty string', () => {
    assert.equal(parseFieldSelector('metadata.name=web-1,spec.nodeName=n1').matches(get), false);
    assert.equal(parseFieldSelector('spec.nodeName=').matches(get), true);
    assert.equal(parseFieldSelector('spec.nodeName!=n1').matches(get), true);
  });

  it('skips empty terms and ignores whitespace; the empty selector matches everything', () => {
    assert.deepEqual(parseFieldSelector(' metadata.name = web-1 ,, ').requirements, [{ field: 'metadata.name', operator: '=', value: 'web-1' }]);
    assert.deepEqual(parseFieldSelector('a!=b').requirements, [{ field: 'a', operator: '!=', value: 'b' }]);
    const all = parseFieldSelector('');
    assert.equal(all.empty(), true);
    assert.equal(all.matches(get), true);
    assert.equal(parseFieldSelector('a=b').empty(), false);
    assert.throws(() => parseFieldSelector('a b=1'), /unable to parse requirement/);
  });
});
