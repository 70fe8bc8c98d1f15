import { strict as assert } from 'node:assert';
import { ControllerExpectations } from '../../../../services/controller-manager/common/expectations';

describe('ControllerExpectations', () => {
  it('is satisfied once every expected creation is observed', () => {
    const e = new ControllerExpectations(() => 0);
    assert.ok(e.satisfied('ns/rs'));
    e.expectCreations('ns/rs', 2);
    assert.ok(!e.satisfied('ns/rs'));
    e.creationObserved('ns/rs');
    assert.ok(!e.satisfied('ns/rs'));
    e.creationObserved('ns/rs');
    assert.ok(e.satisfied('ns/rs'));
  });

  it('counts each expected deletion once, whatever reports it', () => {
    const e = new ControllerExpectations(() => 0);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/other');
    assert.deepEqual(e.pending('ns/rs'), { adds: 0, deletes: 1 });
    e.deletionObserved('ns/rs', 'ns/b');
    assert.ok(e.satisfied('ns/rs'));
  });

  it('expires so a lost event cannot block the owner forever', () => {
    let now = 0;
    const e = new ControllerExpectations(() => now, 1000);
    e.expectCreations('ns/rs', 1);
    now = 1000;
    assert.ok(!e.satisfied('ns/rs'));
    now = 1001;
    assert.ok(e.satisfied('ns/rs'));
  });
});
