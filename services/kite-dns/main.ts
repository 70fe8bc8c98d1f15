// kite-dns: the cluster DNS server, CoreDNS as kubeadm's Corefile configures it: `kubernetes
// cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa }`,
// `forward . /etc/resolv.conf`, `cache 30`, `health`, `ready`, `prometheus :9153` (with the
// kubernetes plugin's own default TTL, 5 s, where kubeadm sets `ttl 30`; --ttl 30 gives kubeadm's).
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { connect } from '../../lib/client/clientset';
import { logger } from '../../lib/log';
import { durationOption, integerFlag } from '../../lib/util/flags';
import { runKiteDns } from './app';
import type { PodMode } from './cluster-zone';
import { nameserversOf, parseUpstream } from './forwarder';

/** "host:port" with either part optional: ":53", "0.0.0.0", "[::]:53". */
function hostPort(defaultHost: string, defaultPort: number): (v: string) => { host: string; port: number } {
  return (v: string) => {
    const m = /^(?:\[([^\]]*)\]|([^:]*))(?::(\d+))?$/.exec(v);
    if (!m) throw new Error(`not host:port: ${v}`);
    const port = m[3] === undefined ? defaultPort : Number(m[3]);
    if (port > 65535) throw new Error(`port out of range: ${v}`);
    return { host: m[1] ?? (m[2] || defaultHost), port };
  };
}

const program = new Command('kite-dns')
  .description("The cluster DNS server: answers Kubernetes' DNS schema for Services and Pods, forwards other names upstream")
  .option('--server <host:port>', 'apiserver address (overrides the config file)')
  .option('--kubeconfig <file>', 'kite config file (default $KITECONFIG or ~/.kite/config; in a pod: its ServiceAccount)')
  .option('--cluster-domain <domain>', 'the cluster domain', 'cluster.local')
  .addOption(new Option('--listen <host:port>', 'DNS address, UDP and TCP (port 0: any free port)').argParser(hostPort('0.0.0.0', 53)).default({ host: '0.0.0.0', port: 53 }, '0.0.0.0:53'))
  .option('--upstream <addresses>', "comma-separated resolvers for other names, host[:port] (default: the node's /etc/resolv.conf nameservers)", (v: string) => v.split(',').filter(Boolean).map(parseUpstream))
  .option('--resolv-conf <file>', 'where the default upstreams are read from', '/etc/resolv.conf')
  .option('--ttl <seconds>', 'TTL of cluster records (CoreDNS kubernetes plugin default)', integerFlag(0), 5)
  .addOption(new Option('--pods <mode>', 'pod records <a-b-c-d>.<ns>.pod.<domain>: disabled, insecure (any IP in an existing namespace), verified (a pod has the IP)').choices(['disabled', 'insecure', 'verified']).default('insecure'))
  .option('--cache-ttl <seconds>', "the longest a forwarded answer is cached (kubeadm's Corefile: cache 30)", integerFlag(1), 30)
  .addOption(durationOption('--upstream-timeout <duration>', 'deadline for an upstream answer, then SERVFAIL', '2s'))
  .addOption(new Option('--health-listen <host:port>', 'liveness endpoint /health (CoreDNS health plugin)').argParser(hostPort('0.0.0.0', 8080)).default({ host: '0.0.0.0', port: 8080 }, '0.0.0.0:8080'))
  .addOption(new Option('--ready-listen <host:port>', 'readiness endpoint /ready, 200 once the caches synced (CoreDNS ready plugin)').argParser(hostPort('0.0.0.0', 8181)).default({ host: '0.0.0.0', port: 8181 }, '0.0.0.0:8181'))
  .addOption(new Option('--metrics-address <host:port>', 'Prometheus metrics /metrics (CoreDNS prometheus plugin); "" turns it off').argParser((v: string) => (v ? hostPort('0.0.0.0', 9153)(v) : undefined)).default({ host: '0.0.0.0', port: 9153 }, ':9153'))
  .action(async (o) => {
    const upstreams = o.upstream ?? nameserversOf(readFileSync(o.resolvConf, 'utf8'));
    if (!upstreams.length) throw new Error(`no upstream resolvers: none given and no nameserver in ${o.resolvConf}`);
    const client = connect({ server: o.server, kubeconfig: o.kubeconfig, userAgent: 'kite-dns' });
    await client.waitForReady(30_000);
    const ac = new AbortController();
    process.on('SIGTERM', () => ac.abort());
    process.on('SIGINT', () => ac.abort());
    const running = await runKiteDns(
      client,
      {
        clusterDomain: o.clusterDomain,
        listenHost: o.listen.host,
        listenPort: o.listen.port,
        upstreams,
        ttl: o.ttl,
        podMode: o.pods as PodMode,
        upstreamTimeoutMs: o.upstreamTimeout,
        cacheTtl: o.cacheTtl,
        healthListen: o.healthListen,
        readyListen: o.readyListen,
        metricsListen: o.metricsAddress,
      },
      ac.signal,
    );
    const metrics = running.metricsPort === undefined ? '' : `; metrics on ${o.metricsAddress.host}:${running.metricsPort}`;
    process.stdout.write(`kite-dns: serving ${o.clusterDomain} on ${o.listen.host}:${running.port} (udp, tcp)${metrics}\n`);
    await running.done;
    client.close();
  });

program.parseAsync().catch((err: Error) => {
  logger('kite-dns').error({ err: err.message }, 'fatal');
  process.stderr.write(`kite-dns: ${err.message}\n`);
  process.exit(1);
});
