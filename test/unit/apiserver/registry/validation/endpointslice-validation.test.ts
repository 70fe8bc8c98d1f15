// EndpointSlice validation and defaulting as Kubernetes' ValidateEndpointSlice,
// ValidateEndpointSliceUpdate and SetDefaults_EndpointPort, table-driven, with Kubernetes'
// field paths and messages.
import assert from 'node:assert/strict';
import { EndpointSlice } from '../../../../../lib/gen/kite/discovery/v1/types';
import {
  defaultEndpointSlice,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
} from '../../../../../services/apiserver/registry/validation/endpointslice-validation';

function slice(over: Partial<EndpointSlice> = {}): EndpointSlice {
  return EndpointSlice.fromPartial({
    metadata: { name: 'web-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node-1', hostname: 'web-0' }],
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
    ...over,
  });
}

const lines = (s: EndpointSlice) => validateEndpointSlice(s).map((c) => `${c.field}: ${c.message}`);

describe('EndpointSlice validation (Kubernetes ValidateEndpointSlice)', () => {
  it('accepts a valid slice of each address type', () => {
    assert.deepEqual(lines(slice()), []);
    assert.deepEqual(lines(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['fd00:10:244::5'], hints: undefined } as never] })), []);
    assert.deepEqual(lines(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['db.example.com'] } as never] })), []);
  });

  const cases: [string, Partial<EndpointSlice>, string[]][] = [
    ['no addressType', { addressType: '' }, ['addressType: Required value']],
    ['an unknown addressType', { addressType: 'IP' }, ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    ['an endpoint without addresses', { endpoints: [{ addresses: [] } as never] }, ['endpoints[0].addresses: Required value: must contain at least 1 address']],
    [
      'a malformed and a loopback IPv4 address',
      { endpoints: [{ addresses: ['10.0.0', '127.0.0.1', '169.254.1.1'] } as never] },
      [
        'endpoints[0].addresses[0]: Invalid value: "10.0.0": must be a valid IPv4 address',
        'endpoints[0].addresses[0]: Invalid value: "10.0.0": must be a valid IP address',
        'endpoints[0].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'endpoints[0].addresses[2]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      ],
    ],
    [
      'an IPv4 address in an IPv6 slice',
      { addressType: 'IPv6', endpoints: [{ addresses: ['10.1.2.3', '::'] } as never] },
      ['endpoints[0].addresses[0]: Invalid value: "10.1.2.3": must be a valid IPv6 address', 'endpoints[0].addresses[1]: Invalid value: "::": may not be unspecified (::)'],
    ],
    ['an FQDN of one label', { addressType: 'FQDN', endpoints: [{ addresses: ['localhost'] } as never] }, ['endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots']],
    [
      'a bad hostname and nodeName',
      { endpoints: [{ addresses: ['10.1.2.3'], hostname: 'Web_0', nodeName: 'Node 1' } as never] },
      [
        'endpoints[0].nodeName: Invalid value: "Node 1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
        'endpoints[0].hostname: Invalid value: "Web_0": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
      ],
    ],
    [
      'duplicate port names and an unsupported protocol',
      { ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'http', protocol: 'HTTP', port: 81 }] },
      ['ports[1].name: Duplicate value: "http"', 'ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    ['a port without protocol (not defaulted)', { ports: [{ name: 'dns', port: 53 }] }, ['ports[0].protocol: Required value']],
    ['duplicate zone hints', { endpoints: [{ addresses: ['10.1.2.3'], hints: { forZones: [{ name: 'a' }, { name: 'a' }] } } as never] }, ['endpoints[0].hints.forZones[1].name: Duplicate value: "a"']],
  ];
  for (const [name, over, want] of cases) {
    it(`refuses ${name}`, () => assert.deepEqual(lines(slice(over)), want));
  }

  it('refuses more than 100 addresses per endpoint and more than 1000 endpoints', () => {
    const addresses = Array.from({ length: 101 }, (_, i) => `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    assert.deepEqual(lines(slice({ endpoints: [{ addresses } as never] })), ['endpoints[0].addresses: Too many: 101: must have at most 100 items']);
    const endpoints = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.2.${Math.floor(i / 200)}.${(i % 200) + 1}`] }) as never);
    assert.deepEqual(lines(slice({ endpoints })), ['endpoints: Too many: 1001: must have at most 1000 items']);
  });

  it('keeps addressType immutable', () => {
    const old = slice();
    const next = slice({ addressType: 'IPv6', endpoints: [] });
    assert.deepEqual(validateEndpointSliceUpdate(next, old), [{ field: 'addressType', message: 'Invalid value: "IPv6": field is immutable' }]);
    assert.deepEqual(validateEndpointSliceUpdate(slice(), old), []);
  });

  it('defaults an unnamed port to "" and its protocol to TCP', () => {
    const s = slice({ ports: [{ port: 53 } as never, { name: 'dns', protocol: 'UDP', port: 53 }] });
    defaultEndpointSlice(s);
    assert.deepEqual(s.ports.map((p) => [p.name, p.protocol, p.port]), [['', 'TCP', 53], ['dns', 'UDP', 53]]);
    assert.deepEqual(lines(s), []);
  });
});
