// The kubelet's resolver and hosts files on the real Docker Engine: every container of a pod sees
// the same /etc/resolv.conf (ClusterFirst from --cluster-dns, --cluster-domain and the node's
// search paths) and the kubelet's /etc/hosts (pod IP with hostname.subdomain FQDN, hostAliases),
// setHostnameAsFQDN sets the kernel hostname, a hostNetwork pod gets the node's files, and
// dnsPolicy None uses dnsConfig alone.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { readAll } from '../../support/streams';
import { containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const BUSYBOX = TEST_IMAGES.busybox;
const LOCALHOST = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

describe('kubelet pod DNS and hosts files on Docker', function () {
  this.timeout(90_000);
  let fx: KubeletFixture;
  let dir: string;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    dir = mkdtempSync(join(tmpdir(), 'kite-dns-'));
    // The node's resolver, as --resolv-conf names it.
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 192.0.2.53\nsearch corp.example\noptions timeout:2\n');
    fx = await kubeletFixture('kdns', { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: join(dir, 'resolv.conf') });
    await fx.startKubelet();
  });

  after(async () => {
    await fx?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The output of a command in one of the pod's containers. */
  async function run(pod: Pod, container: string, command: string[]): Promise<string> {
    const id = containerStatus(pod, container)!.containerID.slice('docker://'.length);
    const session = await fx.runtime.exec(id, command);
    const [out] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
    return out;
  }

  const allRunning = (names: string[]) => (p: Pod) => names.every((n) => containerStatus(p, n)?.state?.running !== undefined);

  it('gives both containers of a ClusterFirst pod the same resolv.conf and the kubelet\'s hosts file with its FQDN and host aliases', async () => {
    const sleeper = (name: string) => ({ name, image: BUSYBOX, command: ['sleep', '1000'] });
    await fx.createPod('db-pod', [sleeper('a'), sleeper('b')], {
      terminationGracePeriodSeconds: 0,
      hostname: 'db-0',
      subdomain: 'db',
      hostAliases: [{ ip: '192.0.2.7', hostnames: ['foo.local', 'bar.local'] }],
    });
    const pod = await fx.waitForPod('db-pod', 'both containers running', allRunning(['a', 'b']));
    const resolv = 'search default.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n';
    const hosts = `# Kubernetes-managed hosts file.\n${LOCALHOST}${pod.status!.podIP}\tdb-0.db.default.svc.cluster.local\tdb-0\n\n# Entries added by HostAliases.\n192.0.2.7\tfoo.local\tbar.local\n`;
    for (const c of ['a', 'b']) {
      assert.equal(await run(pod, c, ['cat', '/etc/resolv.conf']), resolv, `container ${c}'s resolv.conf`);
      assert.equal(await run(pod, c, ['cat', '/etc/hosts']), hosts, `container ${c}'s hosts file`);
      assert.equal(await run(pod, c, ['hostname']), 'db-0\n');
    }
    // The hosts file resolves through the C library as well.
    assert.match(await run(pod, 'b', ['ping', '-c', '1', '-W', '1', 'db-0.db.default.svc.cluster.local']), new RegExp(`\\(${pod.status!.podIP.replaceAll('.', '\\.')}\\)`));
  });

  it('sets the kernel hostname to the FQDN with setHostnameAsFQDN', async () => {
    await fx.createPod('fqdn', [{ name: 'c', image: BUSYBOX, command: ['sleep', '1000'] }], { terminationGracePeriodSeconds: 0, hostname: 'web', subdomain: 'front', setHostnameAsFQDN: true });
    const pod = await fx.waitForPod('fqdn', 'running', allRunning(['c']));
    assert.equal(await run(pod, 'c', ['hostname']), 'web.front.default.svc.cluster.local\n');
  });

  it('gives a hostNetwork pod the node\'s resolver (ClusterFirst falls back to Default) and the node\'s hosts file plus its aliases', async () => {
    await fx.createPod('on-host', [{ name: 'c', image: BUSYBOX, command: ['sleep', '1000'] }], {
      terminationGracePeriodSeconds: 0,
      hostNetwork: true,
      hostAliases: [{ ip: '192.0.2.9', hostnames: ['registry.local'] }],
    });
    const pod = await fx.waitForPod('on-host', 'running', allRunning(['c']));
    assert.equal(await run(pod, 'c', ['cat', '/etc/resolv.conf']), 'search corp.example\nnameserver 192.0.2.53\noptions timeout:2\n');
    assert.equal(await run(pod, 'c', ['cat', '/etc/hosts']), `# Kubernetes-managed hosts file (host network).\n${readFileSync('/etc/hosts', 'utf8')}\n# Entries added by HostAliases.\n192.0.2.9\tregistry.local\n`);
  });

  it('uses dnsConfig alone for dnsPolicy None', async () => {
    await fx.createPod('custom-dns', [{ name: 'c', image: BUSYBOX, command: ['sleep', '1000'] }], {
      terminationGracePeriodSeconds: 0,
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['192.0.2.1'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    });
    const pod = await fx.waitForPod('custom-dns', 'running', allRunning(['c']));
    assert.equal(await run(pod, 'c', ['cat', '/etc/resolv.conf']), 'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 192.0.2.1\noptions ndots:2 edns0\n');
  });
});
