// The service variables (Kubernetes' envvars.FromServices and the kubelet's getServiceEnvVarMap),
// checked against the variables Kubernetes gives for the same Services.
import assert from 'node:assert/strict';
import { Service } from '../../../../lib/gen/kite/core/v1/types';
import { envVarsFromServices, serviceEnvVarMap } from '../../../../services/kubelet/pod-workers/service-env';

type Port = { name?: string; protocol?: string; port: number };
const svc = (namespace: string, name: string, clusterIP: string, ports: Port[]) => Service.fromPartial({ metadata: { name, namespace }, spec: { clusterIP, ports } });

const kubernetes = svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', protocol: 'TCP', port: 443 }]);
const web = svc('shop', 'web-front', '10.96.0.20', [{ port: 80 }, { name: 'metrics', protocol: 'UDP', port: 9090 }]);
const headless = svc('shop', 'db', 'None', [{ port: 5432 }]);
const otherNamespace = svc('other', 'cache', '10.96.0.30', [{ port: 6379 }]);
const defaultService = svc('default', 'registry', '10.96.0.40', [{ port: 5000 }]);

describe('kubelet service variables', () => {
  it("gives Kubernetes' variables for the kubernetes Service", () => {
    assert.deepEqual(envVarsFromServices([kubernetes]), [
      ['KUBERNETES_SERVICE_HOST', '10.96.0.1'],
      ['KUBERNETES_SERVICE_PORT', '443'],
      ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
      ['KUBERNETES_PORT', 'tcp://10.96.0.1:443'],
      ['KUBERNETES_PORT_443_TCP', 'tcp://10.96.0.1:443'],
      ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
      ['KUBERNETES_PORT_443_TCP_PORT', '443'],
      ['KUBERNETES_PORT_443_TCP_ADDR', '10.96.0.1'],
    ]);
  });

  it('names variables after the Service (dashes become underscores), the first port also unnamed, TCP by default', () => {
    assert.deepEqual(new Map(envVarsFromServices([web])), new Map([
      ['WEB_FRONT_SERVICE_HOST', '10.96.0.20'],
      ['WEB_FRONT_SERVICE_PORT', '80'],
      ['WEB_FRONT_SERVICE_PORT_METRICS', '9090'],
      ['WEB_FRONT_PORT', 'tcp://10.96.0.20:80'],
      ['WEB_FRONT_PORT_80_TCP', 'tcp://10.96.0.20:80'],
      ['WEB_FRONT_PORT_80_TCP_PROTO', 'tcp'],
      ['WEB_FRONT_PORT_80_TCP_PORT', '80'],
      ['WEB_FRONT_PORT_80_TCP_ADDR', '10.96.0.20'],
      ['WEB_FRONT_PORT_9090_UDP', 'udp://10.96.0.20:9090'],
      ['WEB_FRONT_PORT_9090_UDP_PROTO', 'udp'],
      ['WEB_FRONT_PORT_9090_UDP_PORT', '9090'],
      ['WEB_FRONT_PORT_9090_UDP_ADDR', '10.96.0.20'],
    ]));
    assert.deepEqual(envVarsFromServices([svc('x', 'v6', 'fd00::10', [{ port: 80 }])])[2], ['V6_PORT', 'tcp://[fd00::10]:80']);
  });

  it("a pod gets the default/kubernetes Service's always and its own namespace's Services with a cluster IP when service links are on", () => {
    const all = [kubernetes, web, headless, otherNamespace, defaultService];
    const linked = serviceEnvVarMap(all, 'shop', true);
    assert.equal(linked.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
    assert.equal(linked.get('WEB_FRONT_SERVICE_HOST'), '10.96.0.20');
    assert.equal(linked.has('DB_SERVICE_HOST'), false, 'headless');
    assert.equal(linked.has('CACHE_SERVICE_HOST'), false, 'other namespace');
    assert.equal(linked.has('REGISTRY_SERVICE_HOST'), false, 'default namespace, not a master service');
    const unlinked = serviceEnvVarMap(all, 'shop', false);
    assert.deepEqual([...unlinked.keys()].filter((k) => !k.startsWith('KUBERNETES_')), []);
    assert.equal(unlinked.get('KUBERNETES_SERVICE_PORT'), '443');
    assert.equal(serviceEnvVarMap(all, 'default', true).get('REGISTRY_SERVICE_HOST'), '10.96.0.40');
  });

  it('gives none for an ExternalName Service (it has no cluster IP)', () => {
    const external = Service.fromPartial({ metadata: { name: 'upstream', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'db.example.com', clusterIP: '', ports: [{ port: 5432 }] } });
    const vars = serviceEnvVarMap([kubernetes, external], 'shop', true);
    assert.deepEqual([...vars.keys()].filter((k) => k.startsWith('UPSTREAM_')), []);
    assert.equal(vars.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  });

  it("a Service named kubernetes in the pod's namespace shadows the default one", () => {
    const own = svc('shop', 'kubernetes', '10.96.0.99', [{ port: 8443 }]);
    assert.equal(serviceEnvVarMap([kubernetes, own], 'shop', true).get('KUBERNETES_SERVICE_HOST'), '10.96.0.99');
    assert.equal(serviceEnvVarMap([own, kubernetes], 'shop', true).get('KUBERNETES_SERVICE_HOST'), '10.96.0.99');
    assert.equal(serviceEnvVarMap([own, kubernetes], 'shop', false).get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  });
});
