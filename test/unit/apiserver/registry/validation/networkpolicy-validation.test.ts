// NetworkPolicy validation and defaulting as Kubernetes' ValidateNetworkPolicy and
// SetDefaults_NetworkPolicy(Port), table-driven, with Kubernetes' field paths and messages.
import assert from 'node:assert/strict';
import { NetworkPolicy } from '../../../../../lib/gen/kite/networking/v1/types';
import { defaultNetworkPolicy, validateNetworkPolicy } from '../../../../../services/apiserver/registry/validation/networkpolicy-validation';

type NetworkPolicySpec = NonNullable<NetworkPolicy['spec']>;
type Partial2<T> = T extends (infer U)[] ? Partial2<U>[] : T extends object ? { [K in keyof T]?: Partial2<T[K]> } : T;
type SpecInput = Partial2<NetworkPolicySpec>;

function policy(spec: SpecInput): NetworkPolicy {
  return NetworkPolicy.fromPartial({ metadata: { name: 'web-policy', namespace: 'default' }, spec } as Parameters<typeof NetworkPolicy.fromPartial>[0]);
}

const lines = (spec: SpecInput) => validateNetworkPolicy(policy(spec)).map((c) => `${c.field}: ${c.message}`);

describe('NetworkPolicy validation (Kubernetes ValidateNetworkPolicy)', () => {
  it('accepts selectors, ipBlocks with excepts, numeric and named ports, port ranges', () => {
    assert.deepEqual(
      lines({
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [
          {
            from: [
              { podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['frontend'] }] } },
              { namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: {} },
              { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
            ],
            ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 'dns' }, { port: 8000, endPort: 8080 }, { protocol: 'SCTP' }],
          },
        ],
        egress: [{ to: [{ ipBlock: { cidr: 'fd00::/64', except: ['fd00::/96'] } }] }],
        policyTypes: ['Ingress', 'Egress'],
      }),
      [],
    );
  });

  const cases: [string, SpecInput, string[]][] = [
    ['a peer with nothing', { ingress: [{ from: [{}] }] }, ['spec.ingress[0].from[0]: Required value: must specify a peer']],
    [
      'ipBlock beside a selector',
      { egress: [{ to: [{ podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }] }] },
      ['spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer'],
    ],
    ['an ipBlock without cidr', { ingress: [{ from: [{ ipBlock: { cidr: '' } }] }] }, ['spec.ingress[0].from[0].ipBlock.cidr: Required value']],
    [
      'a malformed cidr',
      { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      ['spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ],
    [
      'excepts outside, equal to or malformed',
      { ingress: [{ from: [{ ipBlock: { cidr: '10.1.0.0/16', except: ['10.2.0.0/24', '10.1.0.0/16', '10.1.0.0'] } }] }] },
      [
        'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.2.0.0/24": must be a strict subset of `cidr`',
        'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "10.1.0.0/16": must be a strict subset of `cidr`',
        'spec.ingress[0].from[0].ipBlock.except[2]: Invalid value: "10.1.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      ],
    ],
    [
      'an unknown protocol',
      { ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }] }] },
      ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"'],
    ],
    [
      'ports out of range',
      { egress: [{ ports: [{ port: 0 }, { port: 70000 }] }] },
      ['spec.egress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive', 'spec.egress[0].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    [
      'endPort below port (Kubernetes quotes the port)',
      { ingress: [{ ports: [{ port: 8080, endPort: 8000 }] }] },
      ['spec.ingress[0].ports[0].endPort: Invalid value: 8080: must be greater than or equal to `port`'],
    ],
    [
      'endPort with a named port or without a port',
      { ingress: [{ ports: [{ port: 'http', endPort: 90 }, { endPort: 90 }] }] },
      [
        'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
        'spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is not specified',
      ],
    ],
    [
      'an invalid port name',
      { ingress: [{ ports: [{ port: 'Not_A_Name' }] }] },
      ['spec.ingress[0].ports[0].port: Invalid value: "Not_A_Name": must be no more than 15 characters, contain only lowercase alphanumerics and \'-\', and contain at least one letter'],
    ],
    [
      'selector operators and their values',
      {
        podSelector: {
          matchExpressions: [
            { key: 'a', operator: 'In', values: [] },
            { key: 'b', operator: 'Exists', values: ['x'] },
            { key: 'c', operator: 'Gt', values: ['1'] },
          ],
        },
      },
      [
        "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        "spec.podSelector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        'spec.podSelector.matchExpressions[2].operator: Invalid value: "Gt": not a valid selector operator',
      ],
    ],
    [
      'an unknown policy type',
      { policyTypes: ['Ingress', 'Outgress'] },
      ['spec.policyTypes[1]: Unsupported value: "Outgress": supported values: "Ingress", "Egress"'],
    ],
    [
      'more than two policy types',
      { policyTypes: ['Ingress', 'Egress', 'Ingress'] },
      ['spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes'],
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(`refuses ${name}`, () => assert.deepEqual(lines(spec), want));
  }
});

describe('NetworkPolicy defaults (Kubernetes SetDefaults_NetworkPolicy)', () => {
  const defaulted = (spec: SpecInput): NetworkPolicySpec => {
    const p = policy(spec);
    defaultNetworkPolicy(p);
    return p.spec!;
  };

  it('makes a policy without policyTypes an Ingress policy', () => {
    assert.deepEqual(defaulted({ ingress: [{}] }).policyTypes, ['Ingress']);
  });

  it('adds Egress when egress rules exist', () => {
    assert.deepEqual(defaulted({ egress: [{}] }).policyTypes, ['Ingress', 'Egress']);
  });

  it('keeps policyTypes that are set', () => {
    assert.deepEqual(defaulted({ egress: [{}], policyTypes: ['Egress'] }).policyTypes, ['Egress']);
  });

  it('defaults every port protocol to TCP and an absent podSelector to the empty one', () => {
    const spec = defaulted({ ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }] }], egress: [{ ports: [{ port: 'dns' }] }] });
    assert.deepEqual(spec.ingress[0].ports.map((p) => p.protocol), ['TCP', 'UDP']);
    assert.equal(spec.egress[0].ports[0].protocol, 'TCP');
    assert.deepEqual(spec.podSelector, { matchLabels: {}, matchExpressions: [] });
  });
});
