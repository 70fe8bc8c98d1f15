import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseClusterConfig } from '../../../services/kite/cluster-config';
import { nodeRunArgs, planNodes } from '../../../services/kite/nodes';

const doc = (body: string) => `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n${body}`;

describe('kite cluster config (kind v1alpha4)', () => {
  it('defaults to one control-plane node named "kite" with kind\'s networking', () => {
    const { config, warnings } = parseClusterConfig(undefined);
    assert.equal(config.name, 'kite');
    assert.deepEqual(config.nodes.map((n) => n.role), ['control-plane']);
    assert.deepEqual(config.networking, { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/16', apiServerAddress: '127.0.0.1', apiServerPort: 0 });
    assert.deepEqual(warnings, []);
  });

  it('reads the repository\'s kind-config.yaml: one control-plane and two workers, named as kind names them', () => {
    const { config } = parseClusterConfig(readFileSync(join(__dirname, '..', '..', '..', 'kind-config.yaml'), 'utf8'), 'demo');
    assert.deepEqual(planNodes(config).map((n) => n.name), ['demo-control-plane', 'demo-worker', 'demo-worker2']);
  });

  it('reads labels, port mappings, mounts and networking', () => {
    const { config } = parseClusterConfig(doc(`
name: x
nodes:
- role: control-plane
- role: worker
  labels: {tier: web}
  extraPortMappings: [{containerPort: 30080, hostPort: 8080, protocol: udp}]
  extraMounts: [{hostPath: /srv, containerPath: /data, readOnly: true}]
networking: {podSubnet: 10.10.0.0/16, serviceSubnet: 10.20.0.0/16, apiServerPort: 7443}
`));
    const worker = config.nodes[1];
    assert.deepEqual(worker.labels, { tier: 'web' });
    assert.deepEqual(worker.extraPortMappings, [{ containerPort: 30080, hostPort: 8080, listenAddress: '0.0.0.0', protocol: 'UDP' }]);
    assert.deepEqual(worker.extraMounts, [{ hostPath: '/srv', containerPath: '/data', readOnly: true }]);
    assert.equal(config.networking.apiServerPort, 7443);
    const [cp, w] = planNodes(config);
    const wArgs = nodeRunArgs(config, w).join(' ');
    assert.match(wArgs, /-p 0\.0\.0\.0:8080:30080\/udp/);
    assert.match(wArgs, /-v \/srv:\/data:ro/);
    assert.doesNotMatch(wArgs, /--privileged|SYS_RESOURCE/);
    assert.match(nodeRunArgs(config, cp).join(' '), /-p 127\.0\.0\.1:7443:6443\/tcp/);
    // The HTTPS port (kubectl's) beside it, on the host port chosen at creation.
    const withHttps = { ...config, networking: { ...config.networking, apiServerSecurePort: 7444 } };
    assert.match(nodeRunArgs(withHttps, cp).join(' '), /-p 127\.0\.0\.1:7444:6444\/tcp/);
    assert.doesNotMatch(nodeRunArgs(withHttps, w).join(' '), /:6444\//, 'only the control-plane node publishes the apiserver');
  });

  it('warns about kind fields kite ignores, naming them', () => {
    const { warnings } = parseClusterConfig(doc('featureGates: {Foo: true}\nnodes:\n- role: control-plane\n  image: kindest/node:v1.29\n'));
    assert.deepEqual(warnings, ['featureGates is not supported by kite and is ignored', 'nodes[0].image is not supported by kite and is ignored']);
  });

  for (const [body, field] of [
    ['nodes:\n- role: control-plane\n  colour: red\n', 'nodes[0].colour'],
    ['networking: {ipFamily: ipv6}\n', 'networking.ipFamily'],
    ['networking: {podSubnet: 10.244.0.0}\n', 'networking.podSubnet'],
    ['nodes:\n- role: worker\n', 'control-plane'],
    ['nodes:\n- role: master\n', 'nodes[0].role'],
    ['name: Not_Valid\n', 'name'],
  ] as const) {
    it(`rejects ${JSON.stringify(body.trim())} naming ${field}`, () => {
      assert.throws(() => parseClusterConfig(doc(body)), (err: Error) => err instanceof ConfigError && err.message.includes(field));
    });
  }

  it('rejects a document of another kind or apiVersion', () => {
    assert.throws(() => parseClusterConfig('kind: Pod\napiVersion: v1\n'), /kind: want "Cluster"/);
    assert.throws(() => parseClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3\n'), /apiVersion/);
  });
});
