import { strict as assert } from 'node:assert';
import { desiredRoutes, routeChanges } from '../../../../services/kube-proxy/routes/desired-routes';
import type { Node } from '../../../../lib/gen/kite/core/v1/types';
import { node } from '../fixtures';


describe('desiredRoutes', () => {
  const cases: Array<{ name: string; nodes: Node[]; want: Array<[string, string]> }> = [
    { name: 'no other nodes', nodes: [node('self', '10.244.0.0/24', '172.18.0.2')], want: [] },
    {
      name: 'one route per other node, sorted',
      nodes: [node('w2', '10.244.2.0/24', '172.18.0.4'), node('self', '10.244.0.0/24', '172.18.0.2'), node('w1', '10.244.1.0/24', '172.18.0.3')],
      want: [['10.244.1.0/24', '172.18.0.3'], ['10.244.2.0/24', '172.18.0.4']],
    },
    { name: 'node without podCIDR yet', nodes: [node('w1', '', '172.18.0.3')], want: [] },
    { name: 'node without InternalIP', nodes: [node('w1', '10.244.1.0/24', '')], want: [] },
    {
      name: 'IPv4 entries of podCIDRs only',
      nodes: [node('w1', '10.244.1.0/24', '172.18.0.3', { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] })],
      want: [['10.244.1.0/24', '172.18.0.3']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(desiredRoutes('self', c.nodes).map((r) => [r.dst, r.via]), c.want);
    });
  }
});

describe('routeChanges', () => {
  it('replaces missing and changed routes, removes routes no longer wanted', () => {
    const current = [
      { dst: '10.244.1.0/24', via: '172.18.0.3' },
      { dst: '10.244.2.0/24', via: '172.18.0.9' },
      { dst: '10.244.5.0/24', via: '172.18.0.7' },
    ];
    const desired = [
      { dst: '10.244.1.0/24', via: '172.18.0.3' },
      { dst: '10.244.2.0/24', via: '172.18.0.4' },
      { dst: '10.244.3.0/24', via: '172.18.0.5' },
    ];
    assert.deepEqual(routeChanges(current, desired), {
      replace: [desired[1], desired[2]],
      remove: [current[2]],
    });
  });
});
