import assert from 'node:assert/strict';
import { parseDuration, parseKeyValues, parseTaints } from '../../../services/kubelet/flags';

describe('kubelet flags', () => {
  it('parses Go-style durations (and bare seconds)', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1.5'), 1_500);
    assert.throws(() => parseDuration('10x'), /invalid duration/);
    assert.throws(() => parseDuration('s'), /invalid duration/);
  });

  it('parses key=value lists', () => {
    assert.deepEqual(parseKeyValues('node-role.kubernetes.io/worker=, zone=a'), { 'node-role.kubernetes.io/worker': '', zone: 'a' });
    assert.deepEqual(parseKeyValues(''), {});
    assert.throws(() => parseKeyValues('novalue'), /invalid key=value/);
  });

  it('parses taints', () => {
    assert.deepEqual(parseTaints('dedicated=gpu:NoSchedule,node-role.kubernetes.io/control-plane:NoExecute'), [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule', timeAdded: '' },
      { key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoExecute', timeAdded: '' },
    ]);
    assert.throws(() => parseTaints('a=b:Sometimes'), /invalid taint/);
  });
});
