// The config file's file references, as clientcmd reads them: the cluster's CA from
// certificate-authority and the user's bearer token from tokenFile (kubeadm's kube-proxy
// kubeconfig.conf names the pod's ServiceAccount files so), relative paths taken from the config
// file's folder, the token re-read as it rotates, the inline fields winning over the files.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConnectionConfig } from '../../../../lib/client/kubeconfig';

describe('kubeconfig: certificate-authority and tokenFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-kubeconfig-'));
    writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
    writeFileSync(join(dir, 'token'), 'first-token\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (cluster: Record<string, string>, user: Record<string, string>) => {
    const path = join(dir, 'kubeconfig.conf');
    writeFileSync(path, stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'default', cluster: { server: 'https://cp:6443', ...cluster } }],
      contexts: [{ name: 'default', context: { cluster: 'default', namespace: 'default', user: 'default' } }],
      'current-context': 'default',
      users: [{ name: 'default', user }],
    }));
    return path;
  };

  it("reads kubeadm's kube-proxy kubeconfig: the CA file and the token file, absolute paths", () => {
    const cfg = loadConnectionConfig({ kubeconfig: write({ 'certificate-authority': join(dir, 'ca.crt') }, { tokenFile: join(dir, 'token') }) });
    assert.equal(cfg.address, 'cp:6443');
    assert.equal(cfg.tls, true);
    assert.equal(cfg.ca?.toString(), 'CA PEM');
    assert.equal(cfg.token, undefined);
    assert.equal(cfg.tokenSource?.token(), 'first-token');
  });

  it('takes relative paths from the config file\'s folder', () => {
    const cfg = loadConnectionConfig({ kubeconfig: write({ 'certificate-authority': 'ca.crt' }, { tokenFile: './token' }) });
    assert.equal(cfg.ca?.toString(), 'CA PEM');
    assert.equal(cfg.tokenSource?.token(), 'first-token');
  });

  it('prefers the inline CA and token over the files', () => {
    const cfg = loadConnectionConfig({
      kubeconfig: write({ 'certificate-authority': 'ca.crt', 'certificate-authority-data': Buffer.from('INLINE CA').toString('base64') }, { token: 'inline', tokenFile: 'token' }),
    });
    assert.equal(cfg.ca?.toString(), 'INLINE CA');
    assert.equal(cfg.token, 'inline');
    assert.equal(cfg.tokenSource, undefined);
  });

  it('fails at load when the token file is missing or the CA file is unreadable', () => {
    assert.throws(() => loadConnectionConfig({ kubeconfig: write({}, { tokenFile: 'no-such-token' }) }), /no-such-token/);
    assert.throws(() => loadConnectionConfig({ kubeconfig: write({ 'certificate-authority': 'no-such-ca' }, {}) }), /no-such-ca/);
  });
});
