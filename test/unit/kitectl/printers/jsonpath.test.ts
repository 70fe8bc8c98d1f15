import { strict as assert } from 'node:assert';
import { JsonPathError, jsonPath } from '../../../../services/kitectl/printers/jsonpath';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'x' } }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'X', status: 'False' }] }, spec: { replicas: 3 } },
    { metadata: { name: 'b', labels: {} }, status: { conditions: [{ type: 'Ready', status: 'False' }] }, spec: { replicas: 1 } },
  ],
};

describe('jsonpath', () => {
  it('reads fields, indexes and wildcards', () => {
    assert.equal(jsonPath('{.kind}', list), 'List');
    assert.equal(jsonPath('{.items[0].metadata.name}', list), 'a');
    assert.equal(jsonPath('{.items[-1].metadata.name}', list), 'b');
    assert.equal(jsonPath('{.items[*].metadata.name}', list), 'a b');
    assert.equal(jsonPath('{.items[0:1].metadata.name}', list), 'a');
    assert.equal(jsonPath('{..replicas}', list), '3 1');
    assert.equal(jsonPath('.kind', list), 'List');
  });

  it('mixes text, string literals and range', () => {
    assert.equal(jsonPath('{range .items[*]}{.metadata.name}{"\\t"}{.spec.replicas}{"\\n"}{end}', list), 'a\t3\nb\t1\n');
    assert.equal(jsonPath('names: {.items[*].metadata.name}!', list), 'names: a b!');
  });

  it('filters with ?()', () => {
    assert.equal(jsonPath('{.items[0].status.conditions[?(@.type=="Ready")].status}', list), 'True');
    assert.equal(jsonPath('{.items[?(@.spec.replicas>2)].metadata.name}', list), 'a');
  });

  it('handles escaped dots and bracket keys', () => {
    assert.equal(jsonPath('{.items[0].metadata.labels.app\\.kubernetes\\.io/name}', list), 'x');
    assert.equal(jsonPath("{.items[0].metadata.labels['app.kubernetes.io/name']}", list), 'x');
  });

  it('prints objects as JSON and missing keys as nothing', () => {
    assert.equal(jsonPath('{.items[1].metadata}', list), '{"name":"b","labels":{}}');
    assert.equal(jsonPath('{.items[0].nope.deeper}', list), '');
  });

  it('rejects malformed templates', () => {
    assert.throws(() => jsonPath('{.a', list), JsonPathError);
    assert.throws(() => jsonPath('{range .items[*]}{.a}', list), JsonPathError);
    assert.throws(() => jsonPath('{end}', list), JsonPathError);
  });
});
