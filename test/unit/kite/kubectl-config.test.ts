import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { usage } from '../../../services/kite/create-cluster';
import { externalKubeconfig } from '../../../services/kite/kubeconfig';
import {
  kubectlConfigPathForMerge,
  kubectlConfigPaths,
  kubectlKubeconfig,
  mergeKubectlConfig,
  removeFromKubectlConfig,
} from '../../../services/kite/kubectl-config';

const admin = stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'kite', cluster: { server: 'https://c1-control-plane:6443', 'certificate-authority-data': 'Q0E=' } }],
  users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
  contexts: [{ name: 'kubernetes-admin@kite', context: { cluster: 'kite', user: 'kubernetes-admin' } }],
  'current-context': 'kubernetes-admin@kite',
});

const entry = (cluster: string, port: number) =>
  kubectlKubeconfig(externalKubeconfig(admin, cluster, 'https://127.0.0.1:40000'), `https://127.0.0.1:${port}`);

/** A user's kubectl config with another cluster, an exec plugin and fields Kite does not model. */
const userConfig = {
  apiVersion: 'v1',
  kind: 'Config',
  preferences: { colors: true },
  clusters: [{ name: 'prod', cluster: { server: 'https://prod.example:443', 'proxy-url': 'http://proxy:3128' } }],
  users: [{ name: 'prod', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'gke-gcloud-auth-plugin' } } }],
  contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'prod', namespace: 'shop' } }],
  'current-context': 'prod',
  extensions: [{ name: 'x', extension: { a: 1 } }],
};

describe('kite kubectl config (kind-style merge into $KUBECONFIG or ~/.kube/config)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kite-kubectl-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (file: string) => parse(readFileSync(file, 'utf8')) as typeof userConfig;

  it("points kubectl at the HTTPS port with the admin identity, without kitectl's gRPC server name", () => {
    assert.deepEqual(entry('c1', 40001), {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kite-c1', cluster: { server: 'https://127.0.0.1:40001', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'kite-c1', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
      contexts: [{ name: 'kite-c1', context: { cluster: 'kite-c1', user: 'kite-c1' } }],
      'current-context': 'kite-c1',
    });
  });

  it('picks the file as kind and kubectl do: $KUBECONFIG\'s first existing file, else its last; without it ~/.kube/config', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((f) => join(dir, f));
    assert.deepEqual(kubectlConfigPaths({ HOME: '/home/u' }), ['/home/u/.kube/config']);
    assert.deepEqual(kubectlConfigPaths({ HOME: '/home/u', KUBECONFIG: `${a}${delimiter}${delimiter}${b}${delimiter}${a}` }), [a, b]);
    assert.equal(kubectlConfigPathForMerge({ KUBECONFIG: `${a}${delimiter}${b}${delimiter}${c}` }), c);
    writeFileSync(b, '');
    assert.equal(kubectlConfigPathForMerge({ KUBECONFIG: `${a}${delimiter}${b}${delimiter}${c}` }), b);
    assert.equal(kubectlConfigPathForMerge({ KUBECONFIG: a }), a);
  });

  it('creates the file 0600 (and its directory) when there is none', () => {
    const file = join(dir, 'new', '.kube', 'config');
    assert.equal(mergeKubectlConfig(entry('c1', 40001), { KUBECONFIG: file }), file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const cfg = read(file);
    assert.equal(cfg['current-context'], 'kite-c1');
    assert.deepEqual(cfg.contexts, [{ name: 'kite-c1', context: { cluster: 'kite-c1', user: 'kite-c1' } }]);
  });

  it("keeps the user's entries and unknown fields, and makes the cluster's context current", () => {
    const file = join(dir, 'config');
    writeFileSync(file, stringify(userConfig), { mode: 0o640 });
    mergeKubectlConfig(entry('c1', 40001), { KUBECONFIG: file });
    const cfg = read(file);
    assert.equal(statSync(file).mode & 0o777, 0o640, 'an existing file keeps its mode');
    assert.deepEqual(cfg.preferences, userConfig.preferences);
    assert.deepEqual(cfg.extensions, userConfig.extensions);
    assert.deepEqual(cfg.clusters.map((c) => c.name), ['prod', 'kite-c1']);
    assert.deepEqual(cfg.clusters[0], userConfig.clusters[0]);
    assert.deepEqual(cfg.users[0], userConfig.users[0]);
    assert.deepEqual(cfg.contexts[0], userConfig.contexts[0]);
    assert.equal(cfg['current-context'], 'kite-c1');
  });

  it('re-creating a cluster replaces its entries in place', () => {
    const file = join(dir, 'config');
    mergeKubectlConfig(entry('c1', 40001), { KUBECONFIG: file });
    mergeKubectlConfig(entry('c2', 40003), { KUBECONFIG: file });
    mergeKubectlConfig(entry('c1', 40005), { KUBECONFIG: file });
    const cfg = read(file);
    assert.deepEqual(cfg.clusters.map((c) => c.name), ['kite-c1', 'kite-c2']);
    assert.deepEqual(cfg.users.map((c) => c.name), ['kite-c1', 'kite-c2']);
    assert.deepEqual(cfg.contexts.map((c) => c.name), ['kite-c1', 'kite-c2']);
    assert.equal(cfg.clusters[0].cluster.server, 'https://127.0.0.1:40005');
    assert.equal(cfg['current-context'], 'kite-c1');
  });

  it("delete removes only the cluster's entries, from every $KUBECONFIG file, and unsets it as current context", () => {
    const [a, b] = ['a', 'b'].map((f) => join(dir, f));
    const env = { KUBECONFIG: `${a}${delimiter}${b}` };
    writeFileSync(a, stringify(userConfig));
    mergeKubectlConfig(entry('c1', 40001), env);
    mergeKubectlConfig(entry('c2', 40003), env);
    writeFileSync(b, stringify({ ...userConfig, ...entry('c1', 40007), 'current-context': 'prod' }));
    assert.deepEqual(removeFromKubectlConfig('c1', env), [a, b]);
    const ca = read(a);
    assert.deepEqual(ca.clusters.map((c) => c.name), ['prod', 'kite-c2']);
    assert.deepEqual(ca.users.map((c) => c.name), ['prod', 'kite-c2']);
    assert.deepEqual(ca.contexts.map((c) => c.name), ['prod', 'kite-c2']);
    assert.equal(ca['current-context'], 'kite-c2', 'another current context stays');
    assert.deepEqual(ca.extensions, userConfig.extensions);
    assert.deepEqual(read(b).contexts, [], 'the second file loses its copy too');
    assert.equal(read(b)['current-context'], 'prod');
    removeFromKubectlConfig('c2', env);
    assert.equal(read(a)['current-context'], '');
    assert.deepEqual(removeFromKubectlConfig('c2', env), [], 'nothing left to remove: no file is rewritten');
  });

  it("create cluster's closing message names both contexts and both endpoints, as kind's names kubectl's", () => {
    const text = usage('c1', { kubeconfigPath: '/h/.kite/config', server: 'https://127.0.0.1:40000', kubectlConfigPath: '/h/.kube/config', httpsServer: 'https://127.0.0.1:40001', nodes: [] }, true);
    const lines = text.split('\n');
    assert.ok(lines.includes('Set kubectl context to "kite-c1" in /h/.kube/config'), text);
    assert.ok(lines.includes('kubectl cluster-info --context kite-c1'), text);
    assert.ok(lines.includes('Set kitectl context to "kite-c1" in /h/.kite/config'), text);
    assert.match(text, /https:\/\/127\.0\.0\.1:40000 \(gRPC[^)]*kitectl\) and https:\/\/127\.0\.0\.1:40001 \(Kubernetes' HTTP API; kubectl\)/);
  });

  it('delete leaves a missing file missing', () => {
    const file = join(dir, 'absent');
    assert.deepEqual(removeFromKubectlConfig('c1', { KUBECONFIG: file }), []);
    assert.equal(existsSync(file), false);
  });
});
