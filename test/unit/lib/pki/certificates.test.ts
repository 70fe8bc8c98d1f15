import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, describeCertificate, issueCertificate, issueClientCertificate, type CertKeyPair } from '../../../../lib/pki/certificates';
import { writeClusterPKI } from '../../../../lib/pki/cluster-pki';
import { kubeconfigFor, writeKubeconfig } from '../../../../lib/pki/kubeconfig';
import { loadConnectionConfig } from '../../../../lib/client/kubeconfig';

describe('lib/pki', () => {
  let ca: CertKeyPair;
  before(async () => {
    ca = await createCA('test-ca');
  });

  it('creates a CA that signs server certificates with DNS and IP names', async () => {
    const server = await issueCertificate(ca, { commonName: 'kube-apiserver', altNames: ['kubernetes', '10.96.0.1', '::1'], usage: 'server' });
    const c = new X509Certificate(server.cert);
    assert.ok(c.verify(new X509Certificate(ca.cert).publicKey), 'signed by the CA');
    assert.ok(c.checkIssued(new X509Certificate(ca.cert)));
    assert.equal(c.checkHost('kubernetes'), 'kubernetes');
    assert.equal(c.checkIP('10.96.0.1'), '10.96.0.1');
    assert.equal(c.checkHost('evil.example'), undefined);
    assert.deepEqual(describeCertificate(server.cert).altNames, ['kubernetes', '10.96.0.1', '::1']);
    assert.equal(new X509Certificate(ca.cert).ca, true);
    assert.equal(c.ca, false);
  });

  it('puts the user in CN and the groups in O of client certificates', async () => {
    const client = await issueClientCertificate(ca, 'system:node:n1', ['system:nodes', 'extra, with comma']);
    const d = describeCertificate(client.cert);
    assert.equal(d.commonName, 'system:node:n1');
    assert.deepEqual(d.organizations.sort(), ['extra, with comma', 'system:nodes']);
    assert.match(new X509Certificate(client.cert).keyUsage!.join(','), /1\.3\.6\.1\.5\.5\.7\.3\.2/);
  });

  it('issues certificates with any validity window (expired ones for tests)', async () => {
    const expired = await issueClientCertificate(ca, 'old', [], { notBefore: new Date(Date.now() - 2 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
    assert.ok(describeCertificate(expired.cert).notAfter.getTime() < Date.now());
  });

  it('signs with an RSA CA made elsewhere (openssl)', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'kite-pki-rsa-'));
    try {
      const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=rsa-ca', '-days', '1', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')]);
      if (r.error) this.skip();
      const rsaCA = { cert: readFileSync(join(dir, 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
      const leaf = await issueClientCertificate(rsaCA, 'bob');
      assert.ok(new X509Certificate(leaf.cert).verify(new X509Certificate(rsaCA.cert).publicKey));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('writeClusterPKI and kubeconfigs', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kite-pki-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes every identity, keys private, and reuses the CA on a second run', async () => {
      const pki = await writeClusterPKI(dir, { apiserverSANs: ['172.18.0.2'], nodeNames: ['n1'] });
      for (const f of [pki.ca, pki.apiserver, pki.admin, pki.scheduler, pki.controllerManager, pki.proxy, pki.nodes.n1]) {
        assert.ok(existsSync(f.cert) && existsSync(f.key));
        assert.equal(statSync(f.key).mode & 0o777, 0o600);
      }
      assert.deepEqual(describeCertificate(readFileSync(pki.admin.cert, 'utf8')).organizations, ['system:masters']);
      assert.equal(describeCertificate(readFileSync(pki.nodes.n1.cert, 'utf8')).commonName, 'system:node:n1');
      assert.equal(describeCertificate(readFileSync(pki.scheduler.cert, 'utf8')).commonName, 'system:kube-scheduler');
      const caBefore = readFileSync(pki.ca.cert, 'utf8');
      const apiBefore = readFileSync(pki.apiserver.cert, 'utf8');
      const again = await writeClusterPKI(dir, { apiserverSANs: ['172.18.0.2'], nodeNames: ['n1', 'n2'] });
      assert.equal(readFileSync(again.ca.cert, 'utf8'), caBefore);
      assert.equal(readFileSync(again.apiserver.cert, 'utf8'), apiBefore, 'same SANs: certificate kept');
      assert.ok(existsSync(again.nodes.n2.cert));
      await writeClusterPKI(dir, { apiserverSANs: ['172.18.0.9'] });
      assert.ok(describeCertificate(readFileSync(pki.apiserver.cert, 'utf8')).altNames.includes('172.18.0.9'), 'new SAN: reissued');
    });

    it('writes kubeconfigs that lib/client reads back as TLS with credentials', async () => {
      const client = await issueClientCertificate(ca, 'alice', ['devs']);
      const path = join(dir, 'alice.conf');
      writeKubeconfig(path, { server: 'https://127.0.0.1:6443', ca: ca.cert, cert: client.cert, key: client.key, namespace: 'team' });
      const cfg = loadConnectionConfig({ kubeconfig: path });
      assert.equal(cfg.tls, true);
      assert.equal(cfg.address, '127.0.0.1:6443');
      assert.equal(cfg.ca?.toString(), ca.cert);
      assert.equal(cfg.cert?.toString(), client.cert);
      assert.equal(cfg.key?.toString(), client.key);
      assert.equal(cfg.namespace, 'team');
      writeKubeconfig(path, { server: 'https://127.0.0.1:6443', ca: ca.cert, token: 's3cret' });
      assert.equal(loadConnectionConfig({ kubeconfig: path }).token, 's3cret');
      assert.throws(() => kubeconfigFor({ server: 'x', cert: client.cert }), /needs its key/);
    });
  });
});
