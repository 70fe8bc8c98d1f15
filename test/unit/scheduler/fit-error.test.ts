import { strict as assert } from 'node:assert';
import { fitErrorMessage } from '../../../services/scheduler/fit-error';
import { Status } from '../../../services/scheduler/framework/status';

describe('FitError message', () => {
  const statuses = (...list: Status[]) => new Map(list.map((s, i) => [`n${i}`, s]));

  it('counts reasons over nodes and sorts "<count> <reason>" as strings, like Kubernetes', () => {
    const taint = 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }';
    const msg = fitErrorMessage(3, {
      nodeToStatus: statuses(Status.unschedulable('Insufficient cpu'), Status.unresolvable(taint), Status.unschedulable('Insufficient cpu')),
      unschedulablePlugins: new Set(),
      preFilterMsg: '',
    });
    assert.equal(msg, `0/3 nodes are available: 1 ${taint}, 2 Insufficient cpu.`);
  });

  it('counts every reason of a node', () => {
    const msg = fitErrorMessage(2, {
      nodeToStatus: statuses(Status.unschedulable('Insufficient cpu', 'Insufficient memory'), Status.unschedulable('Insufficient memory')),
      unschedulablePlugins: new Set(),
      preFilterMsg: '',
    });
    assert.equal(msg, '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.');
  });

  it('sorts by string, so 10 comes before 9', () => {
    const list = [...Array(10)].map(() => Status.unschedulable('Too many pods'));
    list.push(...[...Array(9)].map(() => Status.unresolvable("node(s) didn't match Pod's node affinity/selector")));
    const msg = fitErrorMessage(19, { nodeToStatus: statuses(...list), unschedulablePlugins: new Set(), preFilterMsg: '' });
    assert.equal(msg, "0/19 nodes are available: 10 Too many pods, 9 node(s) didn't match Pod's node affinity/selector.");
  });

  it('reports a PreFilter rejection alone', () => {
    const msg = fitErrorMessage(5, { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: 'pod has unbound claims' });
    assert.equal(msg, '0/5 nodes are available: pod has unbound claims.');
  });
});
