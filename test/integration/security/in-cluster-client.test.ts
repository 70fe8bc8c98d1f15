// A client with the in-cluster configuration (client-go's InClusterConfig) against a real TLS
// apiserver, its "mounted" ServiceAccount directory in a temp dir: it verifies the apiserver
// with ca.crt, authenticates with the bound token as system:serviceaccount:<ns>:<name>, RBAC
// gives it what its RoleBinding grants and refuses the rest, and a rotated token file is used
// once the last read is old enough (the kubelet refreshes tokens; client-go re-reads them).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForbiddenError } from '../../../lib/api/errors';
import { ServiceAccounts } from '../../../lib/api/kinds';
import { Clientset } from '../../../lib/client/clientset';
import { inClusterConfig } from '../../../lib/client/in-cluster';
import { NO_RETRY } from '../../../lib/client/retry';
import type { TokenRequest } from '../../../lib/gen/kite/authentication/v1/types';
import { ConfigMap, Namespace, ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import { RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('in-cluster configuration against a TLS apiserver with service-account tokens', function () {
  this.timeout(60_000);
  let api: SecureApiserver;
  let admin: Clientset;
  let dir: string;
  const suffix = randomBytes(3).toString('hex');
  const ns = `in-cluster-${suffix}`;
  const other = `in-cluster-other-${suffix}`;

  const tokenFor = async (name: string) => {
    const res = await admin.resource(ServiceAccounts).call<TokenRequest>('createToken', { namespace: ns, name, dryRun: [], tokenRequest: { spec: { audiences: [] } } });
    return res.status!.token;
  };

  before(async () => {
    api = await startSecureApiserver();
    admin = await api.admin();
    for (const n of [ns, other]) await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: n } }));
    for (const [sa, role] of [['reader', 'view'], ['writer', 'edit']]) {
      await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: sa, namespace: ns } }));
      await admin.roleBindings.create(RoleBinding.fromPartial({
        metadata: { name: `${sa}-${role}`, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
      }));
    }
    await admin.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'settings', namespace: ns }, data: { a: '1' } }));
    dir = mkdtempSync(join(tmpdir(), 'kite-sa-mount-'));
    writeFileSync(join(dir, 'token'), await tokenFor('reader'));
    writeFileSync(join(dir, 'ca.crt'), readFileSync(api.pki.ca.cert));
    writeFileSync(join(dir, 'namespace'), ns);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api?.stop();
  });

  it('lists what its RoleBinding grants in its namespace and is refused another namespace', async () => {
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.server.port) };
    const cs = new Clientset(inClusterConfig({ env, dir }), { retry: NO_RETRY, timeoutMs: 10_000 });
    try {
      assert.equal(cs.config.namespace, ns);
      const mine = await cs.configMaps.list({ namespace: cs.config.namespace });
      assert.deepEqual(mine.items.map((c) => c.metadata!.name), ['settings']);
      await assert.rejects(cs.configMaps.list({ namespace: other }), (err: Error) => {
        assert.ok(err instanceof ForbiddenError, String(err));
        assert.equal(err.message, `configmaps is forbidden: User "system:serviceaccount:${ns}:reader" cannot list resource "configmaps" in API group "" in the namespace "${other}"`);
        return true;
      });
    } finally {
      cs.close();
    }
  });

  it('sends the rotated token once the last read is about a minute old', async () => {
    let now = Date.now();
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.server.port) };
    const cs = new Clientset(inClusterConfig({ env, dir, now: () => now }), { retry: NO_RETRY, timeoutMs: 10_000 });
    const write = () => cs.configMaps.create(ConfigMap.fromPartial({ metadata: { name: `w-${randomBytes(3).toString('hex')}`, namespace: ns } }));
    try {
      await assert.rejects(write(), ForbiddenError, 'view cannot create');
      writeFileSync(join(dir, 'token'), await tokenFor('writer'));
      await assert.rejects(write(), ForbiddenError, 'the token read a moment ago is still used');
      now += 60_000;
      const created = await write();
      assert.equal(created.metadata!.namespace, ns);
    } finally {
      cs.close();
    }
  });
});
