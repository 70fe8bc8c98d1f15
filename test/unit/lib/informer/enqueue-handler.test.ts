import { strict as assert } from 'node:assert';
import { enqueueHandler } from '../../../../lib/informer';
import { Queue } from '../../../../lib/workqueue';
import { obj, type TestObject } from './fake-lister-watcher';

describe('enqueueHandler', () => {
  it('queues the key of added, updated and deleted objects', async () => {
    const q = new Queue();
    const h = enqueueHandler<TestObject>(q);
    h.onAdd!(obj('ns/a', '1'));
    h.onUpdate!(obj('ns/b', '1'), obj('ns/b', '2'));
    h.onDelete!(obj('c', '3'));
    h.onAdd!(obj('ns/a', '4'));
    assert.equal(q.len(), 3);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], ['ns/a', 'ns/b', 'c']);
  });

  it('maps objects to other keys, skipping those mapped to undefined', () => {
    const q = new Queue();
    const h = enqueueHandler<TestObject>(q, (o) => o.spec.nodeName);
    h.onAdd!(obj('ns/a', '1', { nodeName: 'n1' }));
    h.onAdd!(obj('ns/b', '1'));
    assert.equal(q.len(), 1);
  });
});
