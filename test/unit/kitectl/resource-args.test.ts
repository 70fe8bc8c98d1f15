import { strict as assert } from 'node:assert';
import { Deployments, Pods, ReplicaSets, Services } from '../../../lib/api/kinds';
import { CliError } from '../../../services/kitectl/cli-errors';
import { parseOneResource, parseResourceArgs } from '../../../services/kitectl/resource-args';

describe('resource arguments', () => {
  it('accepts short names, plurals, kinds and TYPE,TYPE lists', () => {
    assert.deepEqual(parseResourceArgs(['po']), [{ kind: Pods, names: [] }]);
    assert.deepEqual(parseResourceArgs(['pods', 'a', 'b']), [{ kind: Pods, names: ['a', 'b'] }]);
    assert.deepEqual(
      parseResourceArgs(['deploy,svc']).map((g) => g.kind),
      [Deployments, Services],
    );
  });

  it('expands "all" to pods, services, deployments and replica sets', () => {
    assert.deepEqual(
      parseResourceArgs(['all']).map((g) => g.kind),
      [Pods, Services, Deployments, ReplicaSets],
    );
  });

  it('accepts TYPE/NAME pairs and groups them by kind', () => {
    assert.deepEqual(parseResourceArgs(['deployment/a', 'svc/b', 'deploy/c']), [
      { kind: Deployments, names: ['a', 'c'] },
      { kind: Services, names: ['b'] },
    ]);
  });

  it('rejects unknown types and mixed forms like kubectl', () => {
    assert.throws(() => parseResourceArgs(['foo']), (e: Error) => e instanceof CliError && e.message === 'the server doesn\'t have a resource type "foo"');
    assert.throws(() => parseResourceArgs(['pods', 'svc/x']), /no need to specify a resource type/);
    assert.throws(() => parseResourceArgs([]), /You must specify the type of resource/);
    assert.throws(() => parseResourceArgs(['po,svc', 'x']), /only one resource type/);
  });

  it('parses one resource for scale/rollout and restricts kinds', () => {
    assert.deepEqual(parseOneResource(['deployment/nginx']), { kind: Deployments, name: 'nginx' });
    assert.deepEqual(parseOneResource(['rs', 'x']), { kind: ReplicaSets, name: 'x' });
    assert.throws(() => parseOneResource(['pod/x'], { kinds: [Deployments], verb: 'rollout' }), /rollout is not supported for pods/);
    assert.throws(() => parseOneResource(['deployment/']), /name may not be empty/);
  });
});
