import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { ApiError } from '../../../../lib/api/errors';
import { applyPatch, jsonPatch, mergePatch } from '../../../../lib/api/patch';

const codeOf = (fn: () => unknown): { code: number; message: string } => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  assert.fail('expected the patch to fail');
};

describe('JSON merge patch (RFC 7386)', () => {
  // The examples of RFC 7386 appendix A.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([target, patch, want], i) =>
    it(`example ${i + 1}`, () => assert.deepEqual(mergePatch(target as never, patch as never), want)),
  );
});

describe('JSON patch (RFC 6902)', () => {
  it('adds, replaces, removes, moves and copies', () => {
    const doc = { metadata: { labels: { a: '1' } }, spec: { list: ['x', 'y'] } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/metadata/labels/b', value: '2' },
      { op: 'add', path: '/spec/list/1', value: 'mid' },
      { op: 'add', path: '/spec/list/-', value: 'end' },
      { op: 'replace', path: '/metadata/labels/a', value: 'one' },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'move', from: '/metadata/labels/b', path: '/metadata/labels/c' },
      { op: 'copy', from: '/spec/list', path: '/spec/copy' },
    ]);
    assert.deepEqual(out, { metadata: { labels: { a: 'one', c: '2' } }, spec: { list: ['mid', 'y', 'end'], copy: ['mid', 'y', 'end'] } });
    assert.deepEqual(doc, { metadata: { labels: { a: '1' } }, spec: { list: ['x', 'y'] } }, 'the input is not modified');
  });

  it('unescapes ~1 and ~0 in pointers', () => {
    const out = jsonPatch({ metadata: { annotations: {} } }, [{ op: 'add', path: '/metadata/annotations/kite.io~1a~0b', value: 'v' }]);
    assert.deepEqual(out, { metadata: { annotations: { 'kite.io/a~b': 'v' } } });
  });

  it('decodes ~01 as "~1", not "/" (RFC 6901: ~1 first, then ~0)', () => {
    const out = jsonPatch({ a: {} }, [{ op: 'add', path: '/a/x~01y', value: 1 }]);
    assert.deepEqual(out, { a: { 'x~1y': 1 } });
  });

  it('test passes on an equal value, whatever the order of object members', () => {
    const doc = { spec: { selector: { app: 'web', tier: 'front' }, replicas: 3 } };
    const out = jsonPatch(doc, [
      { op: 'test', path: '/spec/selector', value: { tier: 'front', app: 'web' } },
      { op: 'replace', path: '/spec/replicas', value: 5 },
    ]);
    assert.equal((out as { spec: { replicas: number } }).spec.replicas, 5);
  });

  it('a failed test is INVALID_ARGUMENT (Kubernetes: 422) and applies nothing', () => {
    const doc = { spec: { replicas: 3 } };
    const err = codeOf(() =>
      jsonPatch(doc, [
        { op: 'replace', path: '/spec/replicas', value: 1 },
        { op: 'test', path: '/spec/replicas', value: 3 },
      ]),
    );
    assert.equal(err.code, Status.INVALID_ARGUMENT);
    assert.match(err.message, /JSON patch test failed at "\/spec\/replicas"/);
    assert.deepEqual(doc, { spec: { replicas: 3 } });
  });

  it('rejects missing paths, bad pointers, out-of-range indexes and unknown operations', () => {
    const doc = { spec: { list: [1] } };
    for (const ops of [
      [{ op: 'remove', path: '/spec/nope' }],
      [{ op: 'replace', path: '/spec/nope/x', value: 1 }],
      [{ op: 'add', path: 'spec/x', value: 1 }],
      [{ op: 'add', path: '/spec/list/5', value: 1 }],
      [{ op: 'frobnicate', path: '/spec' }],
      { op: 'add', path: '/spec/x', value: 1 },
    ]) {
      assert.equal(codeOf(() => jsonPatch(doc, ops)).code, Status.INVALID_ARGUMENT, JSON.stringify(ops));
    }
  });
});

describe('applyPatch', () => {
  it('picks the patch by content type, merge patch by default', () => {
    assert.deepEqual(applyPatch({ a: 1 }, '', '{"b":2}'), { a: 1, b: 2 });
    assert.deepEqual(applyPatch({ a: 1 }, 'application/json-patch+json', '[{"op":"remove","path":"/a"}]'), {});
  });

  it('rejects a patch that is not JSON, and unknown patch types', () => {
    assert.match(codeOf(() => applyPatch({}, '', '{nope')).message, /not valid JSON/);
    assert.match(codeOf(() => applyPatch({}, 'application/apply-patch+yaml', '{}')).message, /unsupported patch type/);
  });

  it('does not quote the patch in its complaint (the message of a Secret patch reaches the audit log)', () => {
    const message = codeOf(() => applyPatch({}, '', '{"data":{"password":hunter2hunter2}}')).message;
    assert.equal(message, "the patch is not valid JSON: Unexpected token 'h'");
  });
});

describe('JSON patch (RFC 6902): the whole document, arrays and errors', () => {
  const doc = () => ({ spec: { replicas: 3, list: ['a', 'b'], containers: [{ name: 'c', image: 'x' }] } });
  const fails = (ops: unknown, message: RegExp) => {
    const err = codeOf(() => jsonPatch(doc(), ops));
    assert.equal(err.code, Status.INVALID_ARGUMENT);
    assert.match(err.message, message);
  };

  it('the empty pointer is the whole document', () => {
    assert.deepEqual(jsonPatch(doc(), [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
    assert.deepEqual(jsonPatch(doc(), [{ op: 'add', path: '', value: [1] }]), [1]);
    assert.deepEqual(jsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }]), { a: 1 });
  });

  it('walks through arrays by index', () => {
    const out = jsonPatch(doc(), [{ op: 'replace', path: '/spec/containers/0/image', value: 'y' }]) as ReturnType<typeof doc>;
    assert.equal(out.spec.containers[0].image, 'y');
  });

  it('array indexes: add at 0 inserts first, replace overwrites, remove takes the element out', () => {
    const out = jsonPatch(doc(), [
      { op: 'add', path: '/spec/list/0', value: 'first' },
      { op: 'replace', path: '/spec/list/1', value: 'A' },
      { op: 'remove', path: '/spec/list/2' },
    ]) as ReturnType<typeof doc>;
    assert.deepEqual(out.spec.list, ['first', 'A']);
  });

  it('replace and remove need an existing element; add takes at most the length', () => {
    fails([{ op: 'replace', path: '/spec/list/2', value: 'z' }], /JSON patch path "\/spec\/list\/2" does not exist/);
    fails([{ op: 'replace', path: '/spec/list/-', value: 'z' }], /JSON patch path "\/spec\/list\/-" does not exist/);
    fails([{ op: 'replace', path: '/spec/list/-1', value: 'z' }], /JSON patch path "\/spec\/list\/-1" does not exist/);
    assert.deepEqual((jsonPatch(doc(), [{ op: 'replace', path: '/spec/list/0', value: 'A' }]) as ReturnType<typeof doc>).spec.list, ['A', 'b']);
    fails([{ op: 'remove', path: '/spec/list/2' }], /JSON patch path "\/spec\/list\/2" does not exist/);
    fails([{ op: 'remove', path: '/spec/list/-1' }], /does not exist/);
    fails([{ op: 'add', path: '/spec/list/-1', value: 'z' }], /JSON patch index "\/spec\/list\/-1" is out of range/);
    fails([{ op: 'add', path: '/spec/list/3', value: 'z' }], /is out of range/);
  });

  it('replace needs an existing member; nothing can be added below a scalar', () => {
    fails([{ op: 'replace', path: '/spec/nope', value: 1 }], /JSON patch path "\/spec\/nope" does not exist/);
    fails([{ op: 'add', path: '/spec/replicas/x', value: 1 }], /JSON patch path "\/spec\/replicas\/x" does not exist/);
    fails([{ op: 'remove', path: '/spec/nope/x' }], /JSON patch path "\/spec\/nope\/x" does not exist/);
    fails([{ op: 'test', path: '/spec/nope', value: 1 }], /JSON patch path "\/spec\/nope" does not exist/);
    fails([{ op: 'move', from: '/spec/nope', path: '/spec/x' }], /JSON patch path "\/spec\/nope" does not exist/);
  });

  it('names the fault: pointers without a leading slash, operations, a patch that is no array', () => {
    fails([{ op: 'add', path: 'spec/x', value: 1 }], /^invalid JSON pointer "spec\/x"$/);
    fails([{ op: 'frobnicate', path: '/spec' }], /^unsupported JSON patch operation "frobnicate"$/);
    fails({ op: 'add', path: '/spec/x', value: 1 }, /^a JSON patch must be an array of operations$/);
  });
});

describe('merge patch: nested objects keep their other members', () => {
  it('merges into an existing member', () => {
    assert.deepEqual(mergePatch({ a: { b: 'c', x: 1 } }, { a: { b: 'd' } }), { a: { b: 'd', x: 1 } });
  });

  it('a strategic merge patch of maps merges as a merge patch does', () => {
    const pod = { metadata: { labels: { a: '1' } } };
    assert.deepEqual(applyPatch(pod, 'application/strategic-merge-patch+json', '{"metadata":{"labels":{"b":"2","a":null}}}'), { metadata: { labels: { b: '2' } } });
  });
});
