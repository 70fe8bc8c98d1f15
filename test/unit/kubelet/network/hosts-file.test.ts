// The kubelet's hosts file and pod hostname (Kubernetes' kubelet_pods_test: managed and
// host-network hosts files, host aliases, GeneratePodHostNameAndDomain, GetNodenameForKernel).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Container, Pod, type PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import {
  ensureHostsFile,
  managedHostsFileContent,
  nodeHostsFileContent,
  nodenameForKernel,
  podHostnameAndDomain,
} from '../../../../services/kubelet/network/hosts-file';

const LOCALHOST = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';

function pod(name: string, spec: Partial<PodSpec> = {}): Pod {
  return Pod.fromPartial({ metadata: { name, namespace: 'shop', uid: 'u1' }, spec });
}

describe('kubelet hosts file and pod hostname', () => {
  it('writes the managed hosts file: localhost lines, the pod IP with its hostname', () => {
    assert.equal(managedHostsFileContent(['10.244.1.5'], 'web', '', []), `# Kubernetes-managed hosts file.\n${LOCALHOST}10.244.1.5\tweb\n`);
  });

  it('names the pod by its FQDN first when it has a subdomain, and appends the host aliases', () => {
    const content = managedHostsFileContent(['10.244.1.5'], 'db-0', 'db.shop.svc.cluster.local', [
      { ip: '123.45.67.89', hostnames: ['foo', 'bar', 'baz'] },
      { ip: '456.78.90.123', hostnames: ['park', 'doo', 'boo'] },
    ]);
    assert.equal(
      content,
      `# Kubernetes-managed hosts file.\n${LOCALHOST}10.244.1.5\tdb-0.db.shop.svc.cluster.local\tdb-0\n\n# Entries added by HostAliases.\n123.45.67.89\tfoo\tbar\tbaz\n456.78.90.123\tpark\tdoo\tboo\n`,
    );
  });

  it('gives hostNetwork pods the node\'s hosts file plus their aliases', () => {
    assert.equal(
      nodeHostsFileContent('127.0.0.1\tlocalhost\n10.0.0.2\tnode-1\n', [{ ip: '1.2.3.4', hostnames: ['db'] }]),
      '# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n10.0.0.2\tnode-1\n\n# Entries added by HostAliases.\n1.2.3.4\tdb\n',
    );
  });

  it('takes the hostname from spec.hostname or the pod name (truncated to 63, no trailing - or .) and the domain from the subdomain', () => {
    assert.deepEqual(podHostnameAndDomain(pod('web'), 'cluster.local'), { hostname: 'web', domain: '' });
    assert.deepEqual(podHostnameAndDomain(pod('web', { hostname: 'db-0', subdomain: 'db' }), 'cluster.local'), { hostname: 'db-0', domain: 'db.shop.svc.cluster.local' });
    const long = `${'a'.repeat(62)}-b`;
    assert.deepEqual(podHostnameAndDomain(pod(`${long}c`), 'cluster.local').hostname, 'a'.repeat(62));
    assert.throws(() => podHostnameAndDomain(pod('web', { hostname: 'Bad_Name' }), 'cluster.local'), /pod Hostname "Bad_Name" is not a valid DNS label: a lowercase RFC 1123 label/);
  });

  it('makes the kernel hostname the FQDN with setHostnameAsFQDN, refusing one over 64 characters', () => {
    assert.equal(nodenameForKernel('db-0', 'db.shop.svc.cluster.local', true), 'db-0.db.shop.svc.cluster.local');
    assert.equal(nodenameForKernel('db-0', 'db.shop.svc.cluster.local', false), 'db-0');
    assert.equal(nodenameForKernel('web', '', true), 'web');
    const host = 'h'.repeat(30);
    const domain = `${'s'.repeat(14)}.shop.svc.cluster.local`;
    assert.throws(
      () => nodenameForKernel(host, domain, true),
      new RegExp(`^Error: failed to construct FQDN from pod hostname and cluster domain, FQDN ${host}\\.${domain.replaceAll('.', '\\.')} is too long \\(64 characters is the max, 68 characters requested\\)$`),
    );
  });

  describe('ensureHostsFile', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kite-hosts-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes etc-hosts in the pod directory (mode 0644) and binds it over /etc/hosts', async () => {
      const podDir = join(dir, 'pods', 'u1');
      const p = pod('web', { hostAliases: [{ ip: '1.2.3.4', hostnames: ['db'] }] });
      const mount = await ensureHostsFile({ podDir, pod: p, podIPs: ['10.244.1.5'], hostname: 'web', domain: '' }, Container.fromPartial({ name: 'c' }));
      assert.deepEqual(mount, { hostPath: join(podDir, 'etc-hosts'), containerPath: '/etc/hosts' });
      assert.equal(readFileSync(join(podDir, 'etc-hosts'), 'utf8'), managedHostsFileContent(['10.244.1.5'], 'web', '', p.spec!.hostAliases));
      assert.equal(statSync(join(podDir, 'etc-hosts')).mode & 0o777, 0o644);
    });

    it('reads the node\'s file for hostNetwork pods', async () => {
      writeFileSync(join(dir, 'node-hosts'), '10.0.0.2\tnode-1\n');
      await ensureHostsFile({ podDir: dir, pod: pod('agent', { hostNetwork: true }), podIPs: [], hostname: 'agent', domain: '', nodeHostsPath: join(dir, 'node-hosts') }, Container.fromPartial({ name: 'c' }));
      assert.equal(readFileSync(join(dir, 'etc-hosts'), 'utf8'), '# Kubernetes-managed hosts file (host network).\n10.0.0.2\tnode-1\n');
    });

    it('binds nothing before the pod has an IP, or when the container mounts /etc/hosts itself', async () => {
      const c = Container.fromPartial({ name: 'c' });
      assert.equal(await ensureHostsFile({ podDir: dir, pod: pod('web'), podIPs: [], hostname: 'web', domain: '' }, c), undefined);
      const own = Container.fromPartial({ name: 'c', volumeMounts: [{ name: 'h', mountPath: '/etc/hosts' }] });
      assert.equal(await ensureHostsFile({ podDir: dir, pod: pod('web'), podIPs: ['10.244.1.5'], hostname: 'web', domain: '' }, own), undefined);
    });
  });
});
