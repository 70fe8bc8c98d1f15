// `describe endpointslice` as kubectl's describeEndpointSliceV1, and the Endpoints lines of
// `describe service` from EndpointSlices as kubectl 1.32's formatEndpointSlices writes them.
import { strict as assert } from 'node:assert';
import { EndpointSlice } from '../../../../lib/gen/kite/discovery/v1/types';
import { describeEndpointSlice, formatEndpointSlices } from '../../../../services/kitectl/describers/endpointslice';

const slice = (over: Partial<EndpointSlice> = {}) =>
  EndpointSlice.fromPartial({
    metadata: { name: 'web-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      {
        addresses: ['10.244.1.5'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u', apiVersion: '', resourceVersion: '', fieldPath: '' },
        nodeName: 'node-1',
        zone: 'zone-a',
      },
      { addresses: ['10.244.2.7'], conditions: { ready: false } },
    ],
    ...over,
  });

describe('describe endpointslice', () => {
  it("prints kubectl's layout (tabwriter columns: each run of tabbed lines aligned on its own)", () => {
    assert.equal(
      describeEndpointSlice(slice(), undefined),
      [
        'Name:         web-abc12',
        'Namespace:    default',
        'Labels:       kubernetes.io/service-name=web',
        'Annotations:  <none>',
        'AddressType:  IPv4',
        'Ports:',
        '  Name  Port  Protocol',
        '  ----  ----  --------',
        '  http  8080  TCP',
        'Endpoints:',
        '  - Addresses:  10.244.1.5',
        '    Conditions:',
        '      Ready:    true',
        '    Hostname:   <unset>',
        '    TargetRef:  Pod/web-1',
        '    NodeName:   node-1',
        '    Zone:       zone-a',
        '  - Addresses:  10.244.2.7',
        '    Conditions:',
        '      Ready:   false',
        '    Hostname:  <unset>',
        '    NodeName:  <unset>',
        '    Zone:      <unset>',
        '',
      ].join('\n'),
    );
  });

  it('says so when there are no ports or endpoints', () => {
    const out = describeEndpointSlice(slice({ ports: [], endpoints: [] }), undefined);
    assert.match(out, /^Ports: <unset>$/m);
    assert.match(out, /^Endpoints: <none>$/m);
  });
});

describe("describe service's Endpoints (formatEndpointSlices)", () => {
  it('lists ready endpoints of the named port, "<none>" without slices, "" when none is ready', () => {
    assert.equal(formatEndpointSlices([slice()], 'http'), '10.244.1.5:8080');
    assert.equal(formatEndpointSlices([slice()], 'metrics'), '');
    assert.equal(formatEndpointSlices([], 'http'), '<none>');
    assert.equal(formatEndpointSlices([slice({ ports: [], endpoints: [{ addresses: ['10.0.0.1'] } as never] })], ''), '10.0.0.1');
  });

  it('shows three then "+ N more..."', () => {
    const endpoints = Array.from({ length: 5 }, (_, i) => ({ addresses: [`10.0.0.${i + 1}`], conditions: { ready: true } }));
    assert.equal(formatEndpointSlices([slice({ endpoints })], 'http'), '10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...');
  });
});
