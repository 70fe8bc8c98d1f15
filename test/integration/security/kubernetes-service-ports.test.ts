// The `kubernetes` Service of an apiserver serving Kubernetes' HTTP API (--secure-port), read by
// the clients of a pod: its port "https" 443 leads to the HTTP API, where a Kubernetes client
// (client-go's in-cluster config: bearer token, ca.crt) lists pods, and its port "grpc" to Kite's
// gRPC, which Kite's in-cluster client takes from the variables the kubelet gives every container
// (KUBERNETES_SERVICE_PORT_GRPC). Without kube-proxy the test dials the Endpoints' ports on the
// advertised address, where the Service's ClusterIP would lead.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndpointsKind, ServiceAccounts, Services } from '../../../lib/api/kinds';
import { Clientset } from '../../../lib/client/clientset';
import { inClusterConfig } from '../../../lib/client/in-cluster';
import { NO_RETRY } from '../../../lib/client/retry';
import type { TokenRequest } from '../../../lib/gen/kite/authentication/v1/types';
import { Namespace, Pod, ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import { RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { serviceEnvVarMap } from '../../../services/kubelet/pod-workers/service-env';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

/** GET with a bearer token, verifying the server with `ca`: the status and the parsed body. */
function getJSON(url: string, token: string, ca: Buffer): Promise<{ status: number; body: { kind?: string; items?: { metadata: { name: string } }[] } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the kubernetes Service of an apiserver serving the HTTP API: https 443 to it, grpc to Kite', function () {
  this.timeout(60_000);
  let api: SecureApiserver;
  let dir: string;
  const ns = `svc-ports-${randomBytes(3).toString('hex')}`;

  before(async () => {
    api = await startSecureApiserver({ config: { securePort: 0 } });
    const admin = await api.admin();
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'reader', namespace: ns } }));
    await admin.roleBindings.create(RoleBinding.fromPartial({
      metadata: { name: 'reader-view', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
    }));
    await admin.pods.create(Pod.fromPartial({ metadata: { name: 'listed', namespace: ns }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } }));
    const token = await admin.resource(ServiceAccounts).call<TokenRequest>('createToken', { namespace: ns, name: 'reader', dryRun: [], tokenRequest: { spec: { audiences: [] } } });
    dir = mkdtempSync(join(tmpdir(), 'kite-sa-mount-'));
    writeFileSync(join(dir, 'token'), token.status!.token);
    writeFileSync(join(dir, 'ca.crt'), readFileSync(api.pki.ca.cert));
    writeFileSync(join(dir, 'namespace'), ns);
  });
  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await api?.stop();
  });

  it('publishes https 443 to the secure port and grpc to the gRPC port, in the Service and its Endpoints', async () => {
    const admin = await api.admin();
    const svc = await admin.resource(Services).get('kubernetes', 'default');
    assert.deepEqual(svc.spec!.ports.map((p) => [p.name, p.port, p.targetPort]), [['https', 443, api.server.securePort], ['grpc', api.server.port, api.server.port]]);
    const endpoints = await admin.resource(EndpointsKind).get('kubernetes', 'default');
    assert.deepEqual(endpoints.subsets.map((s) => [s.addresses.map((a) => a.ip), s.ports.map((p) => [p.name, p.port])]), [[['127.0.0.1'], [['https', api.server.securePort], ['grpc', api.server.port]]]]);
  });

  it("a pod's Kubernetes client lists pods over https with its token and ca.crt; Kite's in-cluster client uses the grpc port", async () => {
    const admin = await api.admin();
    const svc = await admin.resource(Services).get('kubernetes', 'default');
    const env = Object.fromEntries(serviceEnvVarMap([svc], ns, true));
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
    assert.equal(env.KUBERNETES_SERVICE_PORT_GRPC, String(api.server.port));
    const endpoints = await admin.resource(EndpointsKind).get('kubernetes', 'default');
    const https = endpoints.subsets[0].ports.find((p) => p.name === 'https')!.port;
    const token = readFileSync(join(dir, 'token'), 'utf8');
    const listed = await getJSON(`https://127.0.0.1:${https}/api/v1/namespaces/${ns}/pods`, token, readFileSync(join(dir, 'ca.crt')));
    assert.equal(listed.status, 200);
    assert.equal(listed.body.kind, 'PodList');
    assert.deepEqual(listed.body.items!.map((p) => p.metadata.name), ['listed']);

    const cs = new Clientset(inClusterConfig({ env: { ...env, KUBERNETES_SERVICE_HOST: '127.0.0.1' }, dir }), { retry: NO_RETRY, timeoutMs: 10_000 });
    try {
      assert.equal(cs.config.address, `127.0.0.1:${api.server.port}`);
      assert.deepEqual((await cs.pods.list({ namespace: ns })).items.map((p) => p.metadata!.name), ['listed']);
    } finally {
      cs.close();
    }
  });
});
