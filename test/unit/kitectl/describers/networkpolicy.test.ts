// `describe networkpolicy` as kubectl's describeNetworkPolicy prints it.
import { strict as assert } from 'node:assert';
import { NetworkPolicy } from '../../../../lib/gen/kite/networking/v1/types';
import { describeNetworkPolicy } from '../../../../services/kitectl/describers/networkpolicy';

const policy = (spec: Record<string, unknown>) =>
  NetworkPolicy.fromPartial({ metadata: { name: 'db', namespace: 'prod', creationTimestamp: '2024-07-28T10:03:17Z' }, spec } as Parameters<typeof NetworkPolicy.fromPartial>[0]);

const header = ['Name:         db', 'Namespace:    prod', 'Created on:   2024-07-28 10:03:17 +0000 UTC', 'Labels:       <none>', 'Annotations:  <none>', 'Spec:'];

describe('describe networkpolicy', () => {
  it('prints a default deny of both directions', () => {
    assert.equal(
      describeNetworkPolicy(policy({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] })),
      [
        ...header,
        '  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)',
        '  Allowing ingress traffic:',
        '    <none> (Selected pods are isolated for ingress connectivity)',
        '  Allowing egress traffic:',
        '    <none> (Selected pods are isolated for egress connectivity)',
        '  Policy Types: Ingress, Egress',
        '',
      ].join('\n'),
    );
  });

  it('prints rules: ports, peers (selectors, ipBlock), separators, and the direction it does not affect', () => {
    const out = describeNetworkPolicy(
      policy({
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          { ports: [{ protocol: 'TCP', port: 3306 }, { protocol: 'UDP', port: 'metrics' }], from: [{ podSelector: { matchLabels: { role: 'api' } } }, { namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: {} }] },
          { from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24', '172.17.2.0/24'] } }] },
          { ports: [{ protocol: 'TCP', port: 9000 }] },
        ],
        policyTypes: ['Ingress'],
      }),
    );
    assert.equal(
      out,
      [
        ...header,
        '  PodSelector:     app=db',
        '  Allowing ingress traffic:',
        '    To Port: 3306/TCP',
        '    To Port: metrics/UDP',
        '    From:',
        '      PodSelector: role=api',
        '    From:',
        '      NamespaceSelector: team=a',
        '      PodSelector: <none>',
        '    ----------',
        '    To Port: <any> (traffic allowed to all ports)',
        '    From:',
        '      IPBlock:',
        '        CIDR: 172.17.0.0/16',
        '        Except: 172.17.1.0/24, 172.17.2.0/24',
        '    ----------',
        '    To Port: 9000/TCP',
        '    From: <any> (traffic not restricted by source)',
        '  Not affecting egress traffic',
        '  Policy Types: Ingress',
        '',
      ].join('\n'),
    );
  });

  it('prints egress rules with their destinations', () => {
    const out = describeNetworkPolicy(policy({ podSelector: { matchLabels: { app: 'db' } }, egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }], policyTypes: ['Egress'] }));
    assert.match(out, /  Not affecting ingress traffic\n  Allowing egress traffic:\n    To Port: 53\/UDP\n    To: <any> \(traffic not restricted by destination\)\n  Policy Types: Egress\n$/);
  });
});
