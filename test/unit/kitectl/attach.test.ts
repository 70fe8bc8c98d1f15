// kitectl attach's choice of container, as kubectl's containerToAttachTo makes it: the named one
// (app or init), else the default-container annotation, else the first (saying so when there
// are several).
import assert from 'node:assert/strict';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { containerToAttachTo } from '../../../services/kitectl/attach';

const pod = (annotations: Record<string, string> = {}) =>
  Pod.fromPartial({
    metadata: { name: 'web', annotations },
    spec: { containers: [{ name: 'app' }, { name: 'side', tty: true }], initContainers: [{ name: 'init' }] },
  });

describe('kitectl attach: the container', () => {
  it('takes the named container, init containers included', () => {
    const warnings: string[] = [];
    assert.equal(containerToAttachTo(pod(), 'side', (t) => warnings.push(t)).name, 'side');
    assert.equal(containerToAttachTo(pod(), 'init', (t) => warnings.push(t)).name, 'init');
    assert.equal(warnings.length, 0);
  });

  it('refuses an unknown container with kubectl\'s words', () => {
    assert.throws(() => containerToAttachTo(pod(), 'nope', () => undefined), /^.*cannot attach to the container: container not found \(nope\)$/);
  });

  it('defaults to the annotated container, else the first, saying so when there are several', () => {
    const warnings: string[] = [];
    assert.equal(containerToAttachTo(pod({ 'kubectl.kubernetes.io/default-container': 'side' }), undefined, (t) => warnings.push(t)).name, 'side');
    assert.equal(warnings.length, 0);
    assert.equal(containerToAttachTo(pod(), undefined, (t) => warnings.push(t)).name, 'app');
    assert.deepEqual(warnings, ['Defaulted container "app" out of: app, side, init (init)\n']);
  });
});
