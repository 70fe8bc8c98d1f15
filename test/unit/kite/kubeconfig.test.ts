import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readConfigFile, writeConfigFile } from '../../../lib/client/kubeconfig';
import { externalKubeconfig, mergeKubeconfig, removeFromKubeconfig } from '../../../services/kite/kubeconfig';

const admin = stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'kite', cluster: { server: 'https://c1-control-plane:6443', 'certificate-authority-data': 'Q0E=' } }],
  users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
  contexts: [{ name: 'kubernetes-admin@kite', context: { cluster: 'kite', user: 'kubernetes-admin' } }],
  'current-context': 'kubernetes-admin@kite',
});

describe('kite kubeconfig entries', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kite-kubeconfig-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('renames the admin config to kite-<name>, points it at the host endpoint and verifies "localhost" for an IP', () => {
    const cfg = externalKubeconfig(admin, 'c1', 'https://127.0.0.1:40000');
    assert.equal(cfg['current-context'], 'kite-c1');
    assert.deepEqual(cfg.clusters, [{ name: 'kite-c1', cluster: { server: 'https://127.0.0.1:40000', 'certificate-authority-data': 'Q0E=', 'tls-server-name': 'localhost' } }]);
    assert.deepEqual(cfg.users, [{ name: 'kite-c1', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }]);
  });

  it('merges beside other entries, makes the context current, and removes only its own entries', () => {
    const file = join(dir, 'config');
    writeConfigFile(file, {
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: 'other', cluster: { server: 'x:1' } }], users: [{ name: 'other', user: {} }],
      contexts: [{ name: 'other', context: { cluster: 'other', user: 'other' } }], 'current-context': 'other',
    });
    mergeKubeconfig(file, externalKubeconfig(admin, 'c1', 'https://127.0.0.1:40000'));
    mergeKubeconfig(file, externalKubeconfig(admin, 'c1', 'https://127.0.0.1:40001'));
    let cfg = readConfigFile(file);
    assert.deepEqual(cfg.contexts.map((c) => c.name), ['other', 'kite-c1']);
    assert.equal(cfg.clusters.find((c) => c.name === 'kite-c1')!.cluster.server, 'https://127.0.0.1:40001');
    assert.equal(cfg['current-context'], 'kite-c1');
    assert.equal(removeFromKubeconfig(file, 'c1'), file);
    cfg = readConfigFile(file);
    assert.deepEqual(cfg.contexts.map((c) => c.name), ['other']);
    assert.deepEqual(cfg.clusters.map((c) => c.name), ['other']);
    assert.equal(cfg['current-context'], '');
    assert.equal(removeFromKubeconfig(file, 'c1'), undefined);
  });
});
