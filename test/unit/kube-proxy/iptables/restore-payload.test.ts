import { strict as assert } from 'node:assert';
import { RestoreTable } from '../../../../services/kube-proxy/iptables/restore-payload';

function table(): RestoreTable {
  const t = new RestoreTable('nat');
  t.declareChain('TOP');
  t.declareChunkDependency('MARK', ['-A MARK -j RETURN']);
  t.rule('-A TOP -j A');
  t.addChunk(['A', 'A1'], ['-A A -j A1']);
  t.addChunk(['B', 'B1', 'B2'], ['-A B -j B1']);
  t.addChunk(['C'], ['-A C -j RETURN']);
  t.deleteChain('OLD');
  t.prelude.push('-I PREROUTING 1 -j TOP');
  return t;
}

describe('RestoreTable', () => {
  it('renders declarations, deletions (declared first), prelude, rules, then -X', () => {
    assert.equal(
      table().render(),
      '*nat\n:TOP - [0:0]\n:MARK - [0:0]\n:A - [0:0]\n:A1 - [0:0]\n:B - [0:0]\n:B1 - [0:0]\n:B2 - [0:0]\n:C - [0:0]\n:OLD - [0:0]\n' +
        '-I PREROUTING 1 -j TOP\n-A MARK -j RETURN\n-A TOP -j A\n-A A -j A1\n-A B -j B1\n-A C -j RETURN\n-X OLD\nCOMMIT\n',
    );
  });

  it('stays one payload when the chunks fit', () => {
    assert.deepEqual(table().renderBatches(6), [table().render()]);
  });

  it('splits chunks into batches (with the chains they depend on) without splitting a chunk, top level last', () => {
    assert.deepEqual(table().renderBatches(3), [
      '*nat\n:MARK - [0:0]\n:A - [0:0]\n:A1 - [0:0]\n-A MARK -j RETURN\n-A A -j A1\nCOMMIT\n',
      '*nat\n:MARK - [0:0]\n:B - [0:0]\n:B1 - [0:0]\n:B2 - [0:0]\n-A MARK -j RETURN\n-A B -j B1\nCOMMIT\n',
      '*nat\n:MARK - [0:0]\n:C - [0:0]\n-A MARK -j RETURN\n-A C -j RETURN\nCOMMIT\n',
      '*nat\n:TOP - [0:0]\n:MARK - [0:0]\n:OLD - [0:0]\n-I PREROUTING 1 -j TOP\n-A MARK -j RETURN\n-A TOP -j A\n-X OLD\nCOMMIT\n',
    ]);
  });

  it('is a no-op only without chunks, deletions or jump fixes and with equal top-level rules', () => {
    const previous = table();
    const same = new RestoreTable('nat');
    same.declareChain('TOP');
    same.declareChunkDependency('MARK', ['-A MARK -j RETURN']);
    same.rule('-A TOP -j A');
    assert.equal(same.isNoOp(previous), true);
    assert.equal(same.isNoOp(undefined), false);
    same.rule('-A TOP -j B');
    assert.equal(same.isNoOp(previous), false);
  });
});
