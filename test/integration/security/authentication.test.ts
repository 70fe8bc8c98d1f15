// Authentication against a real TLS apiserver: only certificates signed by the cluster CA and
// valid, or known bearer tokens, get in; everything else is UNAUTHENTICATED and changes nothing.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../lib/api/errors';
import { Clientset, connect } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { createCA, issueClientCertificate, issueServerCertificate } from '../../../lib/pki/certificates';
import { writeKubeconfig } from '../../../lib/pki/kubeconfig';
import { startTestApiserver } from '../../support/apiserver';
import { foreignCertificate, startSecureApiserver, type SecureApiserver } from './secure-apiserver';
import { whoAmI } from './rpc';

const code = async (p: Promise<unknown>) => p.then(() => status.OK, (e: ApiError) => e.code);

describe('security: authentication', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  before(async () => {
    s = await startSecureApiserver({ tokens: { 'alice-token': { user: 'alice', groups: ['devs'] } } });
  });
  after(() => s?.stop());

  it('refuses no credentials, a foreign CA, an expired certificate and a bad token; nothing is stored', async () => {
    const expired = await issueClientCertificate(s.ca, 'kubernetes-admin', ['system:masters'], {
      notBefore: new Date(Date.now() - 2 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    const intruders = {
      'no credentials': await s.client(),
      'a certificate from another CA': await s.client({ pair: await foreignCertificate('kubernetes-admin', ['system:masters']) }),
      'an expired certificate': await s.client({ pair: expired }),
      'a bad token': await s.client({ token: 'not-a-token' }),
    };
    for (const [what, c] of Object.entries(intruders)) {
      const name = `intruder-${what.replace(/[^a-z]+/g, '-')}`.replace(/-$/, '');
      const err = await c.namespaces.create(Namespace.fromPartial({ metadata: { name } })).then(
        () => undefined,
        (e: ApiError) => e,
      );
      assert.equal(err?.code, status.UNAUTHENTICATED, `${what}: ${err?.message}`);
      assert.match(err!.message, /^Unauthorized: /);
      assert.equal(await code(c.namespaces.list()), status.UNAUTHENTICATED, what);
    }
    const names = (await (await s.admin()).namespaces.list()).items.map((n) => n.metadata!.name);
    assert.deepEqual(names.filter((n) => n.startsWith('intruder')), [], 'nothing stored');
  });

  it('maps certificates and tokens to users and groups (plus system:authenticated)', async () => {
    assert.deepEqual(await whoAmI(await s.admin()), { username: 'kubernetes-admin', uid: '', groups: ['system:masters', 'system:authenticated'] });
    assert.deepEqual(await whoAmI(await s.client({ user: 'system:node:n1', groups: ['system:nodes'] })), {
      username: 'system:node:n1',
      uid: '',
      groups: ['system:nodes', 'system:authenticated'],
    });
    assert.deepEqual(await whoAmI(await s.client({ token: 'alice-token' })), { username: 'alice', uid: 'uid-0', groups: ['devs', 'system:authenticated'] });
  });

  it('accepts a valid token even with an untrusted certificate (token-only clients connect)', async () => {
    const c = await s.client({ pair: await foreignCertificate('mallory'), token: 'alice-token' });
    assert.equal((await whoAmI(c)).username, 'alice');
  });

  it('connects through a kubeconfig with an https server, and explains a CA mismatch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kite-kubeconfig-'));
    try {
      const path = join(dir, 'config');
      const pair = await issueClientCertificate(s.ca, 'kubernetes-admin', ['system:masters']);
      writeKubeconfig(path, { server: `https://${s.address}`, ca: s.ca.cert, cert: pair.cert, key: pair.key });
      const ok = connect({ kubeconfig: path, retry: NO_RETRY });
      try {
        await ok.waitForReady(5000);
        assert.ok((await ok.namespaces.list()).items.length >= 4);
      } finally {
        ok.close();
      }
      writeKubeconfig(path, { server: `https://${s.address}`, ca: (await createCA('elsewhere')).cert, cert: pair.cert, key: pair.key });
      const bad = connect({ kubeconfig: path, retry: NO_RETRY });
      try {
        await assert.rejects(bad.waitForReady(1500), /cannot reach the apiserver at .* \(from .*config\): self-signed certificate in certificate chain \(TLS: check certificate-authority-data/);
      } finally {
        bad.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("verifies the server's IP address against its certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kite-san-'));
    const pair = await issueServerCertificate(s.ca, 'kube-apiserver', ['apiserver.example']);
    const files = { cert: join(dir, 'apiserver.crt'), key: join(dir, 'apiserver.key') };
    writeFileSync(files.cert, pair.cert);
    writeFileSync(files.key, pair.key);
    const named = await startTestApiserver({ tlsCertFile: files.cert, tlsPrivateKeyFile: files.key, clientCAFile: s.pki.ca.cert });
    const c = new Clientset({ address: named.address, tls: true, ca: Buffer.from(s.ca.cert), namespace: 'default', source: 'test' }, { retry: NO_RETRY });
    try {
      await assert.rejects(c.waitForReady(1500), /IP: 127\.0\.0\.1 is not in the cert's list/);
    } finally {
      c.close();
      await named.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without any authentication configured (development) every caller is an anonymous admin', async () => {
    const dev = await startTestApiserver({ authorizationMode: 'RBAC' });
    try {
      assert.deepEqual(await whoAmI(dev.client()), { username: 'system:anonymous', uid: '', groups: ['system:masters', 'system:authenticated'] });
      await dev.client().namespaces.create(Namespace.fromPartial({ metadata: { name: 'dev-ok' } }));
    } finally {
      await dev.stop();
    }
  });
});
