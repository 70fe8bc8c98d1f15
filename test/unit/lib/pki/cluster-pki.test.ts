// The cluster PKI's apiserver certificate is valid for every name a pod dials the API by: the
// `kubernetes` Service's ClusterIP (index 1 of the Service range, as `kite create cluster` passes
// it) and kubernetes, kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.cluster.local;
// a certificate lacking a requested name is reissued. The service-account key pair is kubeadm's
// sa.key (RSA, owner-only) and sa.pub, kept across runs.
import { strict as assert } from 'node:assert';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeClusterPKI } from '../../../../lib/pki/cluster-pki';
import { indexedIP } from '../../../../lib/util/net';

describe('cluster PKI: the apiserver certificate for in-cluster clients', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kite-pki-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the kubernetes Service by IP and by every in-cluster DNS name', async () => {
    const pki = await writeClusterPKI(dir, { apiserverSANs: [indexedIP('10.96.0.0/16', 1)] });
    const cert = new X509Certificate(readFileSync(pki.apiserver.cert));
    assert.equal(cert.checkIP('10.96.0.1'), '10.96.0.1');
    for (const name of ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']) {
      assert.equal(cert.checkHost(name), name);
    }
    assert.ok(cert.verify(new X509Certificate(readFileSync(pki.ca.cert)).publicKey));
  });

  it('reissues a certificate that lacks a newly requested name (another Service range)', async () => {
    await writeClusterPKI(dir, { apiserverSANs: ['10.96.0.1'] });
    const pki = await writeClusterPKI(dir, { apiserverSANs: [indexedIP('10.100.0.0/16', 1)] });
    assert.equal(new X509Certificate(readFileSync(pki.apiserver.cert)).checkIP('10.100.0.1'), '10.100.0.1');
  });

  it("writes kubeadm's service-account key pair once: an RSA sa.key only its owner reads and its public half sa.pub", async () => {
    const pki = await writeClusterPKI(dir);
    assert.deepEqual([pki.serviceAccount.key, pki.serviceAccount.pub], [join(dir, 'sa.key'), join(dir, 'sa.pub')]);
    const key = createPrivateKey(readFileSync(pki.serviceAccount.key));
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.equal(statSync(pki.serviceAccount.key).mode & 0o777, 0o600);
    const pub = readFileSync(pki.serviceAccount.pub, 'utf8');
    assert.equal(createPublicKey(pub).export({ type: 'spki', format: 'pem' }), createPublicKey(key).export({ type: 'spki', format: 'pem' }));
    await writeClusterPKI(dir);
    assert.equal(readFileSync(pki.serviceAccount.pub, 'utf8'), pub, 'the same pair on a second run');
  });
});
