// The real kubectl and kitectl on EndpointSlices: `get endpointslices`, `describe endpointslice`
// and `describe service` (whose Endpoints lines kubectl 1.32 reads from the Service's slices)
// print the same text, and kubectl shows the apiserver's refusal of an invalid slice in
// Kubernetes' words.
import { strict as assert } from 'node:assert';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

const ageless = (text: string) => text.replace(/\b\d+s\b/g, 'AGE');

const slice = (name: string, endpoints: { ip: string; ready: boolean }[], addressType = 'IPv4') =>
  JSON.stringify({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, labels: { 'kubernetes.io/service-name': 'manual' } },
    addressType,
    ports: [{ name: 'http', port: 8080 }],
    endpoints: endpoints.map((e, i) => ({ addresses: [e.ip], conditions: { ready: e.ready }, nodeName: 'node-1', zone: 'zone-a', ...(i === 0 ? { hostname: 'first' } : {}) })),
  });

describe('kubectl and kitectl on EndpointSlices (HTTPS front door)', function () {
  this.timeout(60_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  const kitectlOk = async (args: string[]) => {
    const r = await h.kitectl(args);
    assert.equal(r.code, 0, `kitectl ${args.join(' ')}: ${r.err}`);
    return r.out;
  };

  it('get, describe endpointslice and describe service print the same as kubectl', async () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
    await h.ok(['create', '-f', '-'], { stdin: JSON.stringify(svc) });
    // Before any slice: "<none>".
    assert.match(await h.ok(['describe', 'service', 'manual']), /^Endpoints: +<none>$/m);
    await h.ok(['create', '-f', '-'], { stdin: slice('manual-a', [{ ip: '10.1.0.1', ready: true }, { ip: '10.1.0.2', ready: false }]) });
    await h.ok(['create', '-f', '-'], { stdin: slice('manual-b', [1, 2, 3, 4].map((i) => ({ ip: `10.2.0.${i}`, ready: true }))) });

    const described = await h.ok(['describe', 'service', 'manual']);
    assert.match(described, /^Endpoints: +10\.1\.0\.1:8080,10\.2\.0\.1:8080,10\.2\.0\.2:8080 \+ 2 more\.\.\.$/m);
    for (const args of [['get', 'endpointslices'], ['describe', 'endpointslice', 'manual-a'], ['describe', 'service', 'manual']]) {
      assert.equal(ageless(await kitectlOk(args)), ageless(await h.ok(args)), `kubectl and kitectl ${args.join(' ')}`);
    }
  });

  it("refuses an invalid slice with Kubernetes' messages", async () => {
    const r = await h.kubectl(['create', '-f', '-'], { stdin: slice('bad', [{ ip: '127.0.0.1', ready: true }], 'IP') });
    assert.notEqual(r.code, 0);
    assert.match(r.err, /addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"/);
    const loop = await h.kubectl(['create', '-f', '-'], { stdin: slice('loop', [{ ip: '127.0.0.1', ready: true }]) });
    assert.match(loop.err, /endpoints\[0\]\.addresses\[0\]: Invalid value: "127\.0\.0\.1": may not be in the loopback range \(127\.0\.0\.0\/8, ::1\/128\)/);
  });
});
