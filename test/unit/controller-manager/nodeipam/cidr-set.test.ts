import { strict as assert } from 'node:assert';
import { CidrFullError, CidrSet } from '../../../../services/controller-manager/nodeipam/cidr-set';

describe('CidrSet', () => {
  it('hands out /24 blocks of 10.244.0.0/16 in order', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    assert.equal(s.size(), 256);
    assert.deepEqual([s.allocateNext(), s.allocateNext(), s.allocateNext()], ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    assert.equal(s.usedCount(), 3);
  });

  it('skips subnets occupied by existing nodes and reuses released ones after a full turn', () => {
    const s = new CidrSet('10.0.0.0/30', 31);
    assert.ok(s.occupy('10.0.0.0/31'));
    assert.equal(s.allocateNext(), '10.0.0.2/31');
    assert.throws(() => s.allocateNext(), CidrFullError);
    s.release('10.0.0.0/31');
    assert.equal(s.allocateNext(), '10.0.0.0/31');
  });

  it('ignores subnets outside the cluster CIDR, and rejects impossible mask sizes', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    assert.equal(s.occupy('192.168.0.0/24'), false);
    assert.equal(s.usedCount(), 0);
    assert.throws(() => new CidrSet('10.244.0.0/16', 8), /does not fit/);
    assert.throws(() => new CidrSet('10.0.0.0/8', 28), /too big/);
  });

  it('occupies every block a wider range covers', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    s.occupy('10.244.4.0/22');
    assert.equal(s.usedCount(), 4);
  });
});
