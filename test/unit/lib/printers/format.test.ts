import { strict as assert } from 'node:assert';
import { Endpoints, ServicePort } from '../../../../lib/gen/kite/core/v1/types';
import { formatEndpoints, formatLabels, formatSelector, formatServicePorts } from '../../../../lib/printers/format';

describe('formatters', () => {
  it('formats service ports as kubectl PORT(S)', () => {
    const p = (o: object) => ServicePort.fromPartial(o);
    assert.equal(formatServicePorts([p({ port: 80, protocol: 'TCP' })]), '80/TCP');
    assert.equal(formatServicePorts([p({ port: 80, nodePort: 30080, protocol: 'TCP' }), p({ port: 53, protocol: 'UDP' })]), '80:30080/TCP,53/UDP');
    assert.equal(formatServicePorts([p({ port: 443 })]), '443/TCP');
    assert.equal(formatServicePorts([]), '<none>');
  });

  it('formats endpoints, at most three then "+ N more..."', () => {
    const ep = (n: number, ports = [{ port: 80 }]) =>
      Endpoints.fromPartial({ subsets: [{ addresses: Array.from({ length: n }, (_, i) => ({ ip: `10.0.0.${i + 1}` })), ports }] });
    assert.equal(formatEndpoints(ep(0)), '<none>');
    assert.equal(formatEndpoints(ep(2)), '10.0.0.1:80,10.0.0.2:80');
    assert.equal(formatEndpoints(ep(5)), '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
    assert.equal(formatEndpoints(ep(2, [])), '10.0.0.1,10.0.0.2');
    assert.equal(formatEndpoints(Endpoints.fromPartial({})), '<none>');
  });

  it('formats labels and selectors sorted by key', () => {
    assert.equal(formatLabels({ tier: 'web', app: 'nginx' }), 'app=nginx,tier=web');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(
      formatSelector({
        matchLabels: { app: 'nginx' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['web', 'api'] },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'canary', operator: 'DoesNotExist', values: [] },
          { key: 'team', operator: 'Exists', values: [] },
        ],
      }),
      'app=nginx,tier in (api,web),env notin (dev),!canary,team',
    );
    assert.equal(formatSelector(undefined), '<none>');
  });
});
