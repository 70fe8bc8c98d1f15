// A highly available kite cluster's plan: several control-plane nodes need the etcd store (a clear
// refusal with SQLite, a warning for an even number), each node's etcd member in one
// --initial-cluster with peer and client TLS from the cluster CA, each apiserver on its own member,
// the external load balancer's haproxy.cfg and ports, the nodes publishing no apiserver port, each
// scheduler's and controller-manager's kubeconfig naming its own node's apiserver (as kubeadm's).
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '../../../lib/client/kubeconfig';
import { createCA, describeCertificate, writeClusterPKI } from '../../../lib/pki';
import { checkControlPlanes, ConfigError, defaultStore, parseClusterConfig } from '../../../services/kite/cluster-config';
import { configFiles, controlPlaneComponents, DEFAULT_TIMINGS } from '../../../services/kite/components';
import { hostMounts } from '../../../services/kite/control-plane-pods';
import { apiserverEtcdArgs, ETCD_PKI, initialCluster, memberCertificates, type EtcdMember } from '../../../services/kite/etcd-cluster';
import { haproxyConfig, loadBalancerName, loadBalancerRunArgs, needsLoadBalancer } from '../../../services/kite/load-balancer';
import { inClusterServer, KUBECONFIGS, stageNodeConfig } from '../../../services/kite/node-config';
import { nodeRunArgs, planNodes } from '../../../services/kite/nodes';

const doc = (controlPlanes: number, workers = 1) =>
  `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n${'- role: control-plane\n'.repeat(controlPlanes)}${'- role: worker\n'.repeat(workers)}`;
const { config } = parseClusterConfig(doc(3), 'ha');
const members: EtcdMember[] = [
  { name: 'ha-control-plane', ip: '172.18.0.2' },
  { name: 'ha-control-plane2', ip: '172.18.0.3' },
  { name: 'ha-control-plane3', ip: '172.18.0.4' },
];
const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

describe('kite: highly available control plane', () => {
  describe('config', () => {
    it('reads kind\'s HA config (examples/kind-ha.yaml): three control-plane nodes named as kind names them, the etcd store by default', () => {
      const { config: ha } = parseClusterConfig(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'kind-ha.yaml'), 'utf8'), 'x');
      assert.deepEqual(planNodes(ha).map((n) => n.name), ['x-control-plane', 'x-control-plane2', 'x-control-plane3', 'x-worker']);
      assert.equal(defaultStore(ha), 'etcd');
      assert.equal(defaultStore(parseClusterConfig(undefined).config), 'sqlite');
      assert.ok(needsLoadBalancer(ha));
      assert.ok(!needsLoadBalancer(parseClusterConfig(doc(1)).config));
    });

    it('refuses several control-plane nodes with the SQLite store, saying to use etcd', () => {
      assert.throws(() => checkControlPlanes(config, 'sqlite'), (err: Error) =>
        err instanceof ConfigError && /^several control-plane nodes need the etcd store: 3 control-plane nodes were given with --store sqlite; create the cluster with --store etcd/.test(err.message));
      assert.deepEqual(checkControlPlanes(config, 'etcd'), []);
      assert.deepEqual(checkControlPlanes(parseClusterConfig(doc(1)).config, 'sqlite'), []);
    });

    it('accepts an even number of control-plane nodes, as kind does, with a warning about etcd\'s quorum', () => {
      const [warning] = checkControlPlanes(parseClusterConfig(doc(2)).config, 'etcd');
      assert.match(warning, /2 control-plane nodes make an etcd cluster of 2 members, whose quorum of 2 tolerates as many failures as 1 members would: an odd number is recommended/);
    });
  });

  describe('etcd members', () => {
    it('names every member in --initial-cluster at its node\'s name, peers and clients on TLS with the cluster CA', () => {
      assert.equal(initialCluster(members), 'ha-control-plane=https://ha-control-plane:2380,ha-control-plane2=https://ha-control-plane2:2380,ha-control-plane3=https://ha-control-plane3:2380');
      const etcd = controlPlaneComponents(config, DEFAULT_TIMINGS, 'etcd', { self: members[1], members }).find((c) => c.name === 'etcd')!;
      const args = etcd.command;
      assert.equal(flag(args, '--name'), 'ha-control-plane2');
      assert.equal(flag(args, '--initial-cluster'), initialCluster(members));
      assert.equal(flag(args, '--initial-cluster-state'), 'new');
      assert.equal(flag(args, '--initial-advertise-peer-urls'), 'https://ha-control-plane2:2380');
      assert.equal(flag(args, '--advertise-client-urls'), 'https://ha-control-plane2:2379');
      assert.equal(flag(args, '--listen-client-urls'), 'https://0.0.0.0:2379');
      assert.equal(flag(args, '--cert-file'), '/etc/kite/pki/etcd/server.crt');
      assert.equal(flag(args, '--peer-cert-file'), '/etc/kite/pki/etcd/peer.crt');
      assert.equal(flag(args, '--trusted-ca-file'), '/etc/kite/pki/ca.crt');
      assert.equal(flag(args, '--peer-trusted-ca-file'), '/etc/kite/pki/ca.crt');
      assert.ok(args.includes('--client-cert-auth') && args.includes('--peer-client-cert-auth'));
      // The static pod mounts exactly its certificates and its data directory, never the CA key.
      assert.deepEqual(configFiles(etcd).sort(), ['/etc/kite/pki/ca.crt', '/etc/kite/pki/etcd/peer.crt', '/etc/kite/pki/etcd/peer.key', '/etc/kite/pki/etcd/server.crt', '/etc/kite/pki/etcd/server.key']);
      assert.ok(hostMounts(etcd).some((m) => m.path === '/var/lib/kite/etcd' && !m.readOnly));
    });

    it('points each apiserver at its own node\'s member only, as kubeadm\'s stacked etcd, with its etcd client pair', () => {
      const apiserver = controlPlaneComponents(config, DEFAULT_TIMINGS, 'etcd', { self: members[2], members }).find((c) => c.name === 'kube-apiserver')!;
      const args = apiserver.command;
      assert.equal(flag(args, '--store'), 'etcd');
      assert.equal(flag(args, '--etcd-endpoints'), 'https://ha-control-plane3:2379');
      assert.equal(flag(args, '--etcd-cafile'), '/etc/kite/pki/ca.crt');
      assert.equal(flag(args, '--etcd-certfile'), '/etc/kite/pki/apiserver-etcd-client.crt');
      assert.equal(flag(args, '--etcd-keyfile'), '/etc/kite/pki/apiserver-etcd-client.key');
      assert.ok(!args.includes('--data-dir'));
      assert.deepEqual(apiserverEtcdArgs(members[2]), args.slice(args.indexOf('--store'), args.indexOf('--store') + 10));
      // One scheduler and one controller-manager per node, each electing a leader (their default).
      const names = controlPlaneComponents(config, DEFAULT_TIMINGS, 'etcd', { self: members[2], members }).map((c) => c.name);
      assert.deepEqual(names, ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']);
    });

    it('issues each member serving and peer certificates for its node\'s name and IP, and the apiserver an etcd client certificate, all from the cluster CA', async () => {
      const ca = await createCA('kite-ca');
      const certs = await memberCertificates(ca, members[0]);
      const caCert = new X509Certificate(ca.cert);
      for (const base of [ETCD_PKI.server, ETCD_PKI.peer]) {
        const c = describeCertificate(certs[base].cert);
        assert.equal(c.commonName, 'ha-control-plane');
        assert.deepEqual(c.altNames.sort(), ['127.0.0.1', '172.18.0.2', 'ha-control-plane', 'localhost']);
        const x = new X509Certificate(certs[base].cert);
        assert.ok(x.verify(caCert.publicKey), `${base} signed by the cluster CA`);
        assert.match(x.toLegacyObject().ext_key_usage?.join(' ') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1.*1\.3\.6\.1\.5\.5\.7\.3\.2|1\.3\.6\.1\.5\.5\.7\.3\.2.*1\.3\.6\.1\.5\.5\.7\.3\.1/, `${base}: server and client auth`);
      }
      const client = new X509Certificate(certs[ETCD_PKI.apiserverClient].cert);
      assert.equal(describeCertificate(client.toString()).commonName, 'kube-apiserver-etcd-client');
      assert.deepEqual(client.toLegacyObject().ext_key_usage, ['1.3.6.1.5.5.7.3.2']);
    });
  });

  describe('external load balancer', () => {
    it('writes an haproxy.cfg in TCP mode with every apiserver\'s gRPC and HTTPS ports, each apiserver checked once on /readyz', () => {
      const cfg = haproxyConfig(members.map((m) => m.name));
      assert.match(cfg, /^\s+mode tcp$/m);
      assert.match(cfg, /^frontend kube-apiserver-grpc\n\s+bind \*:6443\n\s+default_backend kube-apiservers-grpc$/m);
      assert.match(cfg, /^frontend kube-apiserver-https\n\s+bind \*:6444\n\s+default_backend kube-apiservers-https$/m);
      const section = (backend: string) => cfg.split(`\nbackend ${backend}\n`)[1].split('\n\n')[0];
      const https = section('kube-apiservers-https');
      assert.match(https, /option httpchk GET \/readyz/);
      assert.match(https, /http-check expect status 200/);
      for (const m of members) assert.match(https, new RegExp(`^  server ${m.name} ${m.name}:6444 check port 6444 check-ssl verify none$`, 'm'));
      // Each apiserver is checked once per interval: the gRPC backend's servers track the HTTPS
      // backend's (marked down with them, sessions shut) instead of a second TLS check of their own.
      const grpc = section('kube-apiservers-grpc');
      for (const m of members) assert.match(grpc, new RegExp(`^  server ${m.name} ${m.name}:6443 track kube-apiservers-https/${m.name}$`, 'm'));
      assert.doesNotMatch(grpc, /check|httpchk/);
      assert.equal(cfg.match(/ check-ssl /g)?.length, members.length);
      // Names are resolved through Docker's DNS (a stopped node is no error), dead servers' sessions shut.
      assert.match(cfg, /nameserver dns 127\.0\.0\.11:53/);
      assert.match(cfg, /default-server init-addr last,libc,none resolvers docker .*on-marked-down shutdown-sessions/);
    });

    it('marks a crashed apiserver DOWN and shuts its sessions within 4 s, before a write\'s 5 s deadline', () => {
      // A dead node answers no check: each one fails when its connect times out, after
      // min(timeout connect, inter). The first check after the crash starts within inter; the
      // following ones come fastinter after the previous one ended, until fall of them failed.
      const cfg = haproxyConfig(members.map((m) => m.name));
      const ms = (v: string) => (v.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v.slice(0, -1)) * 1000);
      const setting = (line: string, key: string) => line.match(new RegExp(`\\b${key} (\\S+)`))?.[1];
      const defaults = cfg.match(/^  default-server .*$/m)![0];
      const inter = ms(setting(defaults, 'inter')!);
      const fastinter = ms(setting(defaults, 'fastinter') ?? setting(defaults, 'inter')!);
      const fall = Number(setting(defaults, 'fall'));
      const connectTimeout = Math.min(ms(cfg.match(/^  timeout connect (\S+)$/m)![1]), inter);
      assert.ok(fall >= 2, 'one slow answer alone marks no apiserver down');
      assert.match(cfg, /^  timeout check \d+m?s$/m);
      assert.ok(inter + fall * connectTimeout + (fall - 1) * fastinter <= 4000, defaults);
      assert.match(defaults, /on-marked-down shutdown-sessions/);
    });

    it('gives a client connection sent to a dead apiserver not yet marked DOWN to a live one within 1 s', () => {
      // A client reconnecting right after a crash may be dispatched to the dead node: its connect
      // gets no answer, so only timeout connect ends it, and the first retry goes elsewhere.
      const cfg = haproxyConfig(members.map((m) => m.name));
      assert.match(cfg, /^  timeout connect 1s$/m);
      assert.match(cfg, /^  option redispatch 1$/m);
      assert.ok(Number(cfg.match(/^  retries (\d+)$/m)?.[1]) >= 1, 'a failed connect is retried');
    });

    it('elects a new etcd leader before the load balancer marks the unready apiservers DOWN', () => {
      // While etcd has no leader every apiserver's /readyz fails (its etcd read times out after
      // 2 s); a lost leader's followers elect another within two election timeouts of its last
      // heartbeat. haproxy marks a server DOWN after fall failed checks, each taking timeout
      // check, fastinter apart: the election must end first, or every session is shut.
      const etcd = controlPlaneComponents(config, DEFAULT_TIMINGS, 'etcd', { self: members[0], members }).find((c) => c.name === 'etcd')!.command;
      const election = Number(flag(etcd, '--election-timeout'));
      const heartbeat = Number(flag(etcd, '--heartbeat-interval'));
      assert.ok(election >= 10 * heartbeat, 'etcd\'s tuning guide: an election timeout of ten heartbeats');
      assert.ok(etcd.includes('--pre-vote'), 'a starved follower deposes no leader the others still hear');
      const cfg = haproxyConfig(members.map((m) => m.name));
      const ms = (v: string) => (v.endsWith('ms') ? Number(v.slice(0, -2)) : Number(v.slice(0, -1)) * 1000);
      const defaults = cfg.match(/^  default-server .*$/m)![0];
      const fall = Number(defaults.match(/\bfall (\d+)/)![1]);
      const fastinter = ms(defaults.match(/\bfastinter (\S+)/)![1]);
      const check = ms(cfg.match(/^  timeout check (\S+)$/m)![1]);
      assert.ok(2 * election < fall * check + (fall - 1) * fastinter, `${2 * election} ms`);
    });

    it('publishes the apiserver\'s host ports on the load balancer and on no control-plane node', () => {
      const withPorts = { ...config, networking: { ...config.networking, apiServerPort: 40001, apiServerSecurePort: 40002 } };
      const args = loadBalancerRunArgs(withPorts);
      assert.equal(flag(args, '--name'), loadBalancerName('ha'));
      assert.equal(loadBalancerName('ha'), 'ha-external-load-balancer');
      assert.deepEqual(args.filter((_, i) => args[i - 1] === '-p'), ['127.0.0.1:40001:6443/tcp', '127.0.0.1:40002:6444/tcp']);
      assert.ok(args.includes('io.kite.role=external-load-balancer'));
      for (const n of planNodes(withPorts)) assert.doesNotMatch(nodeRunArgs(withPorts, n).join(' '), /:644[34]\/tcp/, n.name);
      const single = parseClusterConfig(doc(1)).config;
      assert.match(nodeRunArgs(single, planNodes(single)[0]).join(' '), /:6443\/tcp/);
    });
  });

  describe('kubeconfigs', () => {
    let work: string;
    before(() => (work = mkdtempSync(join(tmpdir(), 'kite-ha-kubeconfigs-'))));
    after(() => rmSync(work, { recursive: true, force: true }));

    it('points each scheduler and controller-manager at its own node\'s apiserver, kubelets and the admin at the load balancer', async () => {
      const nodes = planNodes(config);
      const lb = inClusterServer(loadBalancerName('ha'));
      // The SANs create-cluster gives the apiserver: every member's name and IP, the load balancer's.
      const pki = await writeClusterPKI(join(work, 'pki'), { apiserverSANs: [...members.flatMap((m) => [m.name, m.ip]), loadBalancerName('ha')], nodeNames: nodes.map((n) => n.name) });
      const covered = describeCertificate(readFileSync(pki.apiserver.cert, 'utf8')).altNames;
      const server = (node: string, file: string) => readConfigFile(join(stageNodeConfig(work, nodes.find((n) => n.name === node)!, pki, lb), file)).clusters[0].cluster.server;
      for (const m of members) {
        for (const file of [KUBECONFIGS.scheduler, KUBECONFIGS.controllerManager]) {
          assert.equal(server(m.name, file), `https://${m.name}:6443`, `${m.name} ${file}`);
        }
        assert.equal(server(m.name, KUBECONFIGS.kubelet), lb);
        assert.equal(server(m.name, KUBECONFIGS.admin), lb);
        assert.ok(covered.includes(m.name), `the apiserver's certificate covers ${m.name}`);
      }
      assert.equal(server('ha-worker', KUBECONFIGS.kubelet), lb);
    });
  });
});
