import { strict as assert } from 'node:assert';
import { BY_NAMESPACE, Indexer } from '../../../../lib/informer';
import { obj, type TestObject } from './fake-lister-watcher';

const byNode = (o: TestObject) => (o.spec.nodeName ? [o.spec.nodeName] : []);
const byLabelValues = (o: TestObject) => Object.values(o.metadata!.labels);
const names = (items: TestObject[]) => items.map((o) => o.metadata!.name).sort();

describe('Indexer', () => {
  it('stores objects by namespace/name key', () => {
    const ix = new Indexer<TestObject>();
    ix.add(obj('ns/a', '1'));
    ix.add(obj('node1', '2'));
    assert.equal(ix.get('ns/a')?.metadata?.resourceVersion, '1');
    assert.equal(ix.get('node1')?.metadata?.resourceVersion, '2');
    assert.deepEqual(ix.keys().sort(), ['node1', 'ns/a']);
    ix.update(obj('ns/a', '3'));
    assert.equal(ix.get('ns/a')?.metadata?.resourceVersion, '3');
    assert.equal(ix.list().length, 2);
    ix.delete('node1');
    ix.delete(obj('ns/a', '9'));
    assert.equal(ix.size(), 0);
    ix.delete('missing');
  });

  it('indexes by namespace out of the box', () => {
    const ix = new Indexer<TestObject>();
    ix.add(obj('ns1/a', '1'));
    ix.add(obj('ns1/b', '1'));
    ix.add(obj('ns2/c', '1'));
    ix.add(obj('cluster', '1'));
    assert.deepEqual(names(ix.byIndex(BY_NAMESPACE, 'ns1')), ['a', 'b']);
    assert.deepEqual(names(ix.byIndex(BY_NAMESPACE, '')), ['cluster']);
  });

  it('moves objects between index values on update and drops them on delete', () => {
    const ix = new Indexer<TestObject>({ byNode });
    ix.add(obj('ns/p1', '1', { nodeName: 'n1' }));
    ix.add(obj('ns/p2', '1', { nodeName: 'n1' }));
    ix.add(obj('ns/p3', '1'));
    assert.deepEqual(names(ix.byIndex('byNode', 'n1')), ['p1', 'p2']);
    ix.update(obj('ns/p1', '2', { nodeName: 'n2' }));
    ix.update(obj('ns/p3', '2', { nodeName: 'n2' }));
    assert.deepEqual(names(ix.byIndex('byNode', 'n1')), ['p2']);
    assert.deepEqual(names(ix.byIndex('byNode', 'n2')), ['p1', 'p3']);
    ix.delete('ns/p2');
    assert.deepEqual(ix.byIndex('byNode', 'n1'), []);
    assert.deepEqual(ix.indexValues('byNode'), ['n2'], 'empty values are dropped');
    assert.deepEqual(ix.indexKeys('byNode', 'n2').sort(), ['ns/p1', 'ns/p3']);
  });

  it('supports indexes with several values per object', () => {
    const ix = new Indexer<TestObject>({ byLabelValues });
    ix.add(obj('a', '1', {}, { x: 'red', y: 'blue' }));
    ix.add(obj('b', '1', {}, { x: 'blue' }));
    assert.deepEqual(names(ix.byIndex('byLabelValues', 'blue')), ['a', 'b']);
    ix.update(obj('a', '2', {}, { x: 'green' }));
    assert.deepEqual(names(ix.byIndex('byLabelValues', 'blue')), ['b']);
    assert.deepEqual(ix.indexValues('byLabelValues').sort(), ['blue', 'green']);
  });

  it('rebuilds indexes on replace', () => {
    const ix = new Indexer<TestObject>({ byNode });
    ix.add(obj('p1', '1', { nodeName: 'n1' }));
    ix.replace([obj('p2', '5', { nodeName: 'n2' })]);
    assert.deepEqual(ix.keys(), ['p2']);
    assert.deepEqual(ix.byIndex('byNode', 'n1'), []);
    assert.deepEqual(names(ix.byIndex('byNode', 'n2')), ['p2']);
  });

  it('indexes existing objects when an index is added later, and rejects unknown or duplicate indexes', () => {
    const ix = new Indexer<TestObject>();
    ix.add(obj('p1', '1', { nodeName: 'n1' }));
    ix.addIndexers({ byNode });
    assert.deepEqual(names(ix.byIndex('byNode', 'n1')), ['p1']);
    assert.throws(() => ix.addIndexers({ byNode }), /already exists/);
    assert.throws(() => ix.byIndex('nope', 'x'), /no index named nope/);
  });

  it('deep-freezes stored objects when asked, leaving byte arrays alone', () => {
    const ix = new Indexer<TestObject>({}, { freeze: true });
    const o = obj('a', '1', { nodeName: 'n1' }) as TestObject & { data?: Uint8Array };
    o.data = new Uint8Array([1, 2]);
    ix.add(o);
    assert.ok(Object.isFrozen(o.metadata!.ownerReferences));
    assert.ok(Object.isFrozen(o.spec));
    assert.ok(!Object.isFrozen(o.data), 'typed arrays cannot be frozen; they are skipped');
    const plain = obj('b', '1');
    new Indexer<TestObject>({}, { freeze: false }).add(plain);
    assert.ok(!Object.isFrozen(plain));
  });
});
