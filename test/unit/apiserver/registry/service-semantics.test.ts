// The Service and Endpoints write path as Kubernetes': defaults (protocol TCP for Endpoints
// ports too), ExternalName and type-specific validation, traffic policies and session affinity
// config, healthCheckNodePort allocation for LoadBalancer + Local, and the fields an update that
// changes the type wipes (dropTypeDependentFields), through a real Registry.
import { strict as assert } from 'node:assert';
import { InvalidError } from '../../../../lib/api/errors';
import * as K from '../../../../lib/api/kinds';
import { Endpoints, Service } from '../../../../lib/gen/kite/core/v1/types';
import type { Registry } from '../../../../services/apiserver/registry/registry';
import { openTestRegistries, type TestRegistries } from '../controlplane/registries';

let seq = 0;
const name = () => `svc-sem-${++seq}`;

function svc(spec: Record<string, unknown>, n = name()): Service {
  return Service.fromPartial({ metadata: { name: n }, spec: { ports: [{ port: 80 }], ...spec } });
}

async function causes(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof InvalidError) return err.causes.map((c) => `${c.field}: ${c.message}`);
    throw err;
  }
  return [];
}

describe('Services and Endpoints as Kubernetes writes them', () => {
  let regs: TestRegistries;
  let services: Registry<Service>;
  let endpoints: Registry<Endpoints>;

  before(() => {
    regs = openTestRegistries();
    services = regs.registry(K.Services);
    endpoints = regs.registry(K.EndpointsKind);
  });
  after(() => regs.close());

  it('Endpoints ports default to TCP (was: Unsupported value: "")', async () => {
    const ep = await endpoints.create('default', Endpoints.fromPartial({ metadata: { name: name() }, subsets: [{ addresses: [{ ip: '10.244.1.2' }], ports: [{ port: 80 }] }] }));
    assert.equal(ep.subsets[0].ports[0].protocol, 'TCP');
  });

  it('defaults: protocol TCP, sessionAffinity None, internalTrafficPolicy Cluster, externalTrafficPolicy Cluster for NodePort only, ClientIP timeout 10800', async () => {
    const cip = await services.create('default', svc({}));
    assert.deepEqual([cip.spec!.ports[0].protocol, cip.spec!.sessionAffinity, cip.spec!.internalTrafficPolicy, cip.spec!.externalTrafficPolicy], ['TCP', 'None', 'Cluster', '']);
    const np = await services.create('default', svc({ type: 'NodePort', sessionAffinity: 'ClientIP' }));
    assert.equal(np.spec!.externalTrafficPolicy, 'Cluster');
    assert.equal(np.spec!.sessionAffinityConfig?.clientIP?.timeoutSeconds, 10800);
  });

  it('ExternalName: externalName required and a DNS name (a trailing dot allowed), no clusterIP, no cluster IP allocated', async () => {
    const ok = await services.create('default', svc({ type: 'ExternalName', externalName: 'db.example.com.', ports: [] }));
    assert.deepEqual([ok.spec!.clusterIP, ok.spec!.clusterIPs, ok.spec!.internalTrafficPolicy], ['', [], '']);
    assert.deepEqual(await causes(services.create('default', svc({ type: 'ExternalName' }))), ['spec.externalName: Required value']);
    assert.match((await causes(services.create('default', svc({ type: 'ExternalName', externalName: 'Not_A_Name' }))))[0], /^spec.externalName: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain/);
    assert.deepEqual(await causes(services.create('default', svc({ type: 'ExternalName', externalName: 'a.example.com', clusterIP: '10.96.7.7' }))), [
      'spec.clusterIPs: Forbidden: may not be set for ExternalName services',
    ]);
  });

  it("clusterIP None only for ClusterIP services", async () => {
    assert.deepEqual(await causes(services.create('default', svc({ type: 'NodePort', clusterIP: 'None' }))), [
      "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services",
    ]);
    const headless = await services.create('default', svc({ clusterIP: 'None' }));
    assert.equal(headless.spec!.clusterIP, 'None');
  });

  it('traffic policies and session affinity config are validated as Kubernetes', async () => {
    assert.deepEqual(await causes(services.create('default', svc({ externalTrafficPolicy: 'Local' }))), [
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    ]);
    assert.deepEqual(await causes(services.create('default', svc({ type: 'NodePort', externalTrafficPolicy: 'Nearby', internalTrafficPolicy: 'Here' }))), [
      'spec.externalTrafficPolicy: Unsupported value: "Nearby": supported values: "Cluster", "Local"',
      'spec.internalTrafficPolicy: Unsupported value: "Here": supported values: "Cluster", "Local"',
    ]);
    assert.deepEqual(await causes(services.create('default', svc({ type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 31000 }))), [
      "spec.healthCheckNodePort: Invalid value: 31000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    ]);
    assert.deepEqual(await causes(services.create('default', svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }))), [
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400',
    ]);
    assert.deepEqual(await causes(services.create('default', svc({ sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }))), [
      'spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None',
    ]);
  });

  it('LoadBalancer + externalTrafficPolicy Local gets a healthCheckNodePort from the node port range, kept on update, released when no longer needed', async () => {
    const lb = await services.create('default', svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    const hc = lb.spec!.healthCheckNodePort;
    assert.ok(hc >= 30000 && hc <= 32767, `healthCheckNodePort ${hc}`);
    assert.notEqual(hc, lb.spec!.ports[0].nodePort);
    const again = await services.update({ ...lb, spec: { ...lb.spec!, healthCheckNodePort: 0 } });
    assert.equal(again.spec!.healthCheckNodePort, hc);
    // Taken: a Service asking for it is refused.
    assert.deepEqual(await causes(services.create('default', svc({ type: 'NodePort', ports: [{ port: 80, nodePort: hc }] }))), [`spec.ports[0].nodePort: Invalid value: ${hc}: provided port is already allocated`]);
    const cluster = await services.update({ ...again, spec: { ...again.spec!, externalTrafficPolicy: 'Cluster' } });
    assert.equal(cluster.spec!.healthCheckNodePort, 0);
    const reuse = await services.create('default', svc({ type: 'NodePort', ports: [{ port: 80, nodePort: hc }] }));
    assert.equal(reuse.spec!.ports[0].nodePort, hc, 'released once no longer needed');
  });

  it('an update turning a Service ExternalName wipes the clusterIP it left as it was and frees it', async () => {
    const created = await services.create('default', svc({ type: 'NodePort' }));
    const ip = created.spec!.clusterIP;
    const ext = await services.update({ ...created, spec: { ...created.spec!, type: 'ExternalName', externalName: 'example.com' } });
    assert.deepEqual([ext.spec!.clusterIP, ext.spec!.clusterIPs, ext.spec!.ports[0].nodePort, ext.spec!.externalTrafficPolicy], ['', [], 0, '']);
    const reuse = await services.create('default', svc({ clusterIP: ip }));
    assert.equal(reuse.spec!.clusterIP, ip, 'the cluster IP went back to the pool');
  });
});
