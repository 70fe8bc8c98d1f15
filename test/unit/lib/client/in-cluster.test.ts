// The in-cluster configuration (client-go's rest.InClusterConfig and clientcmd's in-cluster
// fallback) with the mounted ServiceAccount directory in a temp dir and a given environment:
// the address, CA, namespace, the token re-read about once a minute, and client-go's error.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedFileTokenSource, inClusterConfig, inClusterPossible, NotInClusterError } from '../../../../lib/client/in-cluster';
import { loadConnectionConfig } from '../../../../lib/client/kubeconfig';
import { Clientset } from '../../../../lib/client/clientset';

describe('in-cluster configuration', () => {
  let dir: string;
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-in-cluster-'));
    writeFileSync(join(dir, 'token'), 'first-token\n');
    writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
    writeFileSync(join(dir, 'namespace'), 'team-a');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('dials the kubernetes Service over TLS with the mounted CA, token and namespace', () => {
    const cfg = inClusterConfig({ env, dir });
    assert.equal(cfg.address, '10.96.0.1:443');
    assert.equal(cfg.tls, true);
    assert.equal(cfg.ca?.toString(), 'CA PEM');
    assert.equal(cfg.tokenSource?.token(), 'first-token');
    assert.equal(cfg.namespace, 'team-a');
  });

  it('dials the Service\'s port "grpc" when 443 is the HTTP API (KUBERNETES_SERVICE_PORT_GRPC), 443 without it', () => {
    assert.equal(inClusterConfig({ env: { ...env, KUBERNETES_SERVICE_PORT_GRPC: '6443' }, dir }).address, '10.96.0.1:6443');
    assert.equal(inClusterConfig({ env, dir }).address, '10.96.0.1:443');
  });

  it('brackets an IPv6 host', () => {
    assert.equal(inClusterConfig({ env: { ...env, KUBERNETES_SERVICE_HOST: 'fd00::1' }, dir }).address, '[fd00::1]:443');
  });

  it('takes POD_NAMESPACE first and falls back to "default" without a namespace file', () => {
    assert.equal(inClusterConfig({ env: { ...env, POD_NAMESPACE: 'from-env' }, dir }).namespace, 'from-env');
    rmSync(join(dir, 'namespace'));
    assert.equal(inClusterConfig({ env, dir }).namespace, 'default');
  });

  it("fails with client-go's message outside a cluster", () => {
    for (const e of [{}, { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, { KUBERNETES_SERVICE_PORT: '443' }]) {
      assert.throws(() => inClusterConfig({ env: e, dir }), (err: Error) => err instanceof NotInClusterError && err.message === 'unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
    }
  });

  it('fails when the token file is missing', () => {
    rmSync(join(dir, 'token'));
    assert.throws(() => inClusterConfig({ env, dir }), /ENOENT/);
  });

  it('is possible only with both variables and a token file', () => {
    assert.equal(inClusterPossible({ env, dir }), true);
    assert.equal(inClusterPossible({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dir }), false);
    assert.equal(inClusterPossible({ env, dir: join(dir, 'absent') }), false);
    mkdirSync(join(dir, 'dir-token', 'token'), { recursive: true });
    assert.equal(inClusterPossible({ env, dir: join(dir, 'dir-token') }), false);
  });

  describe('the token file', () => {
    let now: number;
    const source = () => new CachedFileTokenSource(join(dir, 'token'), () => now);
    beforeEach(() => (now = 1_000_000));

    it('is re-read once the last read is 50 s old (a minute less client-go\'s 10 s leeway), not before', () => {
      const ts = source();
      assert.equal(ts.token(), 'first-token');
      writeFileSync(join(dir, 'token'), 'rotated-token');
      now += 49_000;
      assert.equal(ts.token(), 'first-token');
      now += 1_000;
      assert.equal(ts.token(), 'rotated-token');
    });

    it('keeps the last token when re-reading fails (empty or missing file)', () => {
      const ts = source();
      assert.equal(ts.token(), 'first-token');
      writeFileSync(join(dir, 'token'), '  \n');
      now += 60_000;
      assert.equal(ts.token(), 'first-token');
      rmSync(join(dir, 'token'));
      now += 60_000;
      assert.equal(ts.token(), 'first-token');
    });

    it('is refused when empty at the first read', () => {
      writeFileSync(join(dir, 'token'), '\n');
      assert.throws(() => source().token(), /read empty token from file/);
    });

    it('is sent as the bearer token of each call, rotated', () => {
      const cs = new Clientset(inClusterConfig({ env, dir, now: () => now }));
      try {
        assert.equal(cs.bearerToken(), 'first-token');
        writeFileSync(join(dir, 'token'), 'rotated-token');
        now += 60_000;
        assert.equal(cs.bearerToken(), 'rotated-token');
      } finally {
        cs.close();
      }
    });
  });

  describe('as the fallback of loadConnectionConfig (kubectl\'s order)', () => {
    let saved: string | undefined;
    beforeEach(() => {
      saved = process.env.KITECONFIG;
      process.env.KITECONFIG = join(dir, 'no-such-config');
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.KITECONFIG;
      else process.env.KITECONFIG = saved;
    });

    it('is used when there is no config file, no --kubeconfig and no --server', () => {
      const cfg = loadConnectionConfig({ inCluster: { env, dir } });
      assert.equal(cfg.source, 'in-cluster configuration');
      assert.equal(cfg.address, '10.96.0.1:443');
      assert.equal(cfg.namespace, 'team-a');
      assert.equal(loadConnectionConfig({ namespace: 'other', inCluster: { env, dir } }).namespace, 'other');
    });

    it('is not used with --server, with a config file, or outside a pod', () => {
      assert.equal(loadConnectionConfig({ server: '127.0.0.1:7000', inCluster: { env, dir } }).address, '127.0.0.1:7000');
      const file = join(dir, 'config');
      writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "127.0.0.1:7001"}}]\nusers: []\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
      process.env.KITECONFIG = file;
      assert.equal(loadConnectionConfig({ inCluster: { env, dir } }).address, '127.0.0.1:7001');
      process.env.KITECONFIG = join(dir, 'no-such-config');
      assert.equal(loadConnectionConfig({ inCluster: { env: {}, dir } }).source, 'default');
    });
  });
});
