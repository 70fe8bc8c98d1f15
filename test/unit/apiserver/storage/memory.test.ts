import { strict as assert } from 'node:assert';
import { CompactedError } from '../../../../services/apiserver/storage/interface';
import { MemoryStorage } from '../../../../services/apiserver/storage/memory';
import { describeStorageConformance } from './conformance';

describeStorageConformance('memory', async () => new MemoryStorage());

describe('MemoryStorage', () => {
  it('compacts itself down to the newest retained events, keeping every current value', async () => {
    const s = new MemoryStorage({ retainEvents: 3 });
    const a = await s.create('/registry/pods/default/a', Buffer.from('a1'));
    for (const v of ['a2', 'a3', 'a4', 'a5']) await s.update(a.key, Buffer.from(v), await s.currentRevision());
    assert.equal(await s.compactedRevision(), 2);
    await assert.rejects(s.get(a.key, 1), CompactedError);
    assert.equal(Buffer.from((await s.get(a.key, 3))!.value).toString(), 'a3');
    assert.equal(Buffer.from((await s.get(a.key))!.value).toString(), 'a5');
    await s.close();
  });
});
