// The Service IP allocator's static band, as Kubernetes' allocator with offset (KEP-3070): random
// ClusterIPs come from above the band until that is full, so a requested low address (the
// cluster DNS Service's 10.96.0.10) is still free when it is asked for.
import { strict as assert } from 'node:assert';
import { intToIp, ServiceAllocators, staticBandSize } from '../../../../services/apiserver/registry/service-allocators';

describe('Service IP allocator static band', () => {
  it('sizes the band as calculateRangeOffset: size/16 within 16..256, none for tiny ranges', () => {
    assert.equal(staticBandSize(8), 0);
    assert.equal(staticBandSize(64), 16);
    assert.equal(staticBandSize(1024), 64);
    assert.equal(staticBandSize(2 ** 20), 256);
  });

  it('hands out the upper band first, the lower band only once the upper is full', () => {
    const a = new ServiceAllocators('10.0.0.0/24', '30000-32767');
    const lowBand = new Set(Array.from({ length: 16 }, (_, i) => `10.0.0.${i + 1}`));
    for (let i = 0; i < 254 - 16; i++) {
      const ip = intToIp(a.ips.allocateNext()!);
      assert.equal(lowBand.has(ip), false, `${ip} taken before the upper band was full`);
    }
    const next = intToIp(a.ips.allocateNext()!);
    assert.equal(lowBand.has(next), true);
  });

  it('hands out every address of a range no larger than its band (a /28: 14 addresses, band 16)', () => {
    const a = new ServiceAllocators('10.0.0.0/28', '30000-32767');
    const got = Array.from({ length: 14 }, () => intToIp(a.ips.allocateNext()!)).sort((x, y) => Number(x.split('.')[3]) - Number(y.split('.')[3]));
    assert.deepEqual(got, Array.from({ length: 14 }, (_, i) => `10.0.0.${i + 1}`));
    assert.equal(a.ips.allocateNext(), undefined);
  });

  it('leaves 10.96.0.10 free while random ClusterIPs fill everything above the band', () => {
    const a = new ServiceAllocators('10.96.0.0/20', '30000-32767');
    for (let i = 0; i < 4094 - 256; i++) a.ips.allocateNext();
    assert.deepEqual(a.allocate({ spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [] } } as never).causes, []);
  });
});
