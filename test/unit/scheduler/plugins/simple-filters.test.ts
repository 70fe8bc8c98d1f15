import { strict as assert } from 'node:assert';
import { Node, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code } from '../../../../services/scheduler/framework/status';
import { ERR_REASON_NODE_NAME, NodeName } from '../../../../services/scheduler/plugins/node-name';
import { ERR_REASON_PORTS, NodePorts } from '../../../../services/scheduler/plugins/node-ports';
import { ERR_REASON_UNSCHEDULABLE, fitsSchedulableNode, NodeUnschedulable } from '../../../../services/scheduler/plugins/node-unschedulable';
import { makeNode, makePod, nodeInfoOf } from '../fixtures';

describe('NodeUnschedulable', () => {
  const cases: { name: string; unschedulable: boolean; tolerations: any[]; fits: boolean }[] = [
    { name: 'schedulable node', unschedulable: false, tolerations: [], fits: true },
    { name: 'cordoned node', unschedulable: true, tolerations: [], fits: false },
    {
      name: 'cordoned node, pod tolerates the unschedulable taint',
      unschedulable: true,
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      fits: true,
    },
    {
      name: 'cordoned node, toleration for another effect',
      unschedulable: true,
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }],
      fits: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const node = nodeInfoOf(makeNode('n', { unschedulable: c.unschedulable }));
      const s = new NodeUnschedulable().filter(new CycleState(), PodInfo.of(makePod('p', { tolerations: c.tolerations })), node);
      assert.equal(s.code, c.fits ? Code.Success : Code.UnschedulableAndUnresolvable);
      if (!c.fits) assert.deepEqual(s.reasons, [ERR_REASON_UNSCHEDULABLE]);
    });
  }
});

describe('NodeName', () => {
  const cases: [string, string, boolean][] = [
    ['', 'n1', true],
    ['n1', 'n1', true],
    ['n2', 'n1', false],
  ];
  for (const [podNode, node, fits] of cases) {
    it(`pod nodeName "${podNode}" on ${node}: ${fits}`, () => {
      const s = new NodeName().filter(new CycleState(), PodInfo.of(makePod('p', { nodeName: podNode })), nodeInfoOf(makeNode(node)));
      assert.equal(s.code, fits ? Code.Success : Code.UnschedulableAndUnresolvable);
      if (!fits) assert.deepEqual(s.reasons, [ERR_REASON_NODE_NAME]);
    });
  }
});

describe('NodePorts', () => {
  const cases: { name: string; used: any[]; wanted: any[]; fits: boolean }[] = [
    { name: 'free port', used: [8080], wanted: [8081], fits: true },
    { name: 'same port', used: [8080], wanted: [8080], fits: false },
    { name: 'other protocol', used: [{ port: 53, protocol: 'UDP' }], wanted: [{ port: 53, protocol: 'TCP' }], fits: true },
    { name: 'same specific IP', used: [{ port: 80, ip: '10.0.0.1' }], wanted: [{ port: 80, ip: '10.0.0.1' }], fits: false },
    { name: 'different specific IPs', used: [{ port: 80, ip: '10.0.0.1' }], wanted: [{ port: 80, ip: '10.0.0.2' }], fits: true },
    { name: 'wildcard wanted, specific used', used: [{ port: 80, ip: '10.0.0.1' }], wanted: [80], fits: false },
    { name: 'specific wanted, wildcard used', used: [80], wanted: [{ port: 80, ip: '10.0.0.2' }], fits: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const node = nodeInfoOf(makeNode('n'), makePod('a', { hostPorts: c.used }));
      const pod = PodInfo.of(makePod('p', { hostPorts: c.wanted }));
      const plugin = new NodePorts();
      assert.equal(plugin.preFilter(new CycleState(), pod).code, Code.Success);
      const s = plugin.filter(new CycleState(), pod, node);
      assert.equal(s.code, c.fits ? Code.Success : Code.Unschedulable);
      if (!c.fits) assert.deepEqual(s.reasons, [ERR_REASON_PORTS]);
    });
  }

  it('skips pods without host ports', () => {
    assert.equal(new NodePorts().preFilter(new CycleState(), PodInfo.of(makePod('p'))).code, Code.Skip);
  });

  it('frees the port when the pod leaves the node', () => {
    const node = nodeInfoOf(makeNode('n'), makePod('a', { hostPorts: [80] }));
    const pod = PodInfo.of(makePod('p', { hostPorts: [80] }));
    assert.equal(new NodePorts().filter(new CycleState(), pod, node).code, Code.Unschedulable);
    node.removePod('default/a');
    assert.equal(new NodePorts().filter(new CycleState(), pod, node).code, Code.Success);
  });
});

describe('NodeUnschedulable: the unschedulable taint', () => {
  const cordoned = makeNode('n', { unschedulable: true });

  it('has no value: a toleration with operator Equal and no value tolerates it', () => {
    const tolerations = [{ key: 'node.kubernetes.io/unschedulable', operator: 'Equal', value: '', effect: 'NoSchedule' }];
    assert.equal(fitsSchedulableNode(makePod('p', { tolerations }), cordoned), true);
  });

  it('a pod without a spec tolerates nothing', () => {
    assert.equal(fitsSchedulableNode(Pod.fromPartial({ metadata: { name: 'p' } }), cordoned), false);
  });

  it('a node without a spec is schedulable', () => {
    assert.equal(fitsSchedulableNode(makePod('p'), Node.fromPartial({ metadata: { name: 'n' } })), true);
  });
});

describe("filter reasons in kube-scheduler's words", () => {
  it('NodeUnschedulable, NodeName, NodePorts', () => {
    assert.equal(ERR_REASON_UNSCHEDULABLE, 'node(s) were unschedulable');
    assert.equal(ERR_REASON_NODE_NAME, "node(s) didn't match the requested node name");
    assert.equal(ERR_REASON_PORTS, "node(s) didn't have free ports for the requested pod ports");
  });
});
