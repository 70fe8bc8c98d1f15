import { strict as assert } from 'node:assert';
import { parseDuration } from '../../../services/controller-manager/duration';
import { CONTROLLER_NAMES, resolveControllers } from '../../../services/controller-manager/manager';

describe('--controllers', () => {
  it('enables all with "*" (the default) and disables with "-name"', () => {
    assert.deepEqual(resolveControllers(), [...CONTROLLER_NAMES]);
    assert.deepEqual(resolveControllers(['*', '-nodeipam', '-garbagecollector']), ['replicaset', 'deployment', 'endpoint', 'nodelifecycle', 'namespace']);
  });
  it('enables only the named ones without "*", accepting comma lists and aliases', () => {
    assert.deepEqual(resolveControllers(['deployment,replicaset', 'endpoints']), ['replicaset', 'deployment', 'endpoint']);
  });
  it('rejects unknown names', () => {
    assert.throws(() => resolveControllers(['cronjob']), /unknown controller "cronjob"/);
  });
});

describe('duration flags', () => {
  const cases: [string, number][] = [['50s', 50_000], ['1m30s', 90_000], ['500ms', 500], ['2h', 7_200_000], ['15', 15_000], ['0.5s', 500]];
  for (const [v, ms] of cases) it(`${v} is ${ms} ms`, () => assert.equal(parseDuration(v, '--x'), ms));
  it('names the flag in errors', () => assert.throws(() => parseDuration('soon', '--node-monitor-grace-period'), /--node-monitor-grace-period/));
});
