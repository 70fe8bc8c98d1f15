// `kite export logs [DIR]`: per node, each component container's log, the log of each pod
// container the kubelet runs (pods/<namespace>_<pod>_<container>.log, as kind exports the node's
// /var/log/pods: kube-proxy's among them), the node engine's log, `docker ps -a`, images, the nat
// table and routes inside the node, and the node's inspect output. A highly available cluster's
// load balancer (<cluster>-external-load-balancer, haproxy) has its own folder with its inspect
// output and its log (haproxy.log: the apiservers it marked UP and DOWN), as kind exports that
// container beside its nodes.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABEL } from '../kubelet/runtime/labels';
import { componentStates } from './components';
import { dockerMaybe } from './docker-cli';
import { loadBalancerName } from './load-balancer';
import type { ExistingNode } from './nodes';

/** A shell command's merged output (or its failure) as text for a log file. Names passed in are DNS labels. */
function capture(command: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', `${command} 2>&1`], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      resolve(err ? `${stdout}\n(failed: ${err.message})\n` : stdout);
    });
  });
}

export async function exportLogs(cluster: string, nodes: ExistingNode[], dir: string): Promise<string[]> {
  const written: string[] = [];
  /** Writes a command's output to <dir>/<container>/<file>. */
  const writer = (container: string) => {
    const out = join(dir, container);
    mkdirSync(out, { recursive: true });
    return async (file: string, command: string) => {
      writeFileSync(join(out, file), await capture(command));
      written.push(join(out, file));
    };
  };
  const lb = loadBalancerName(cluster);
  if (await dockerMaybe(['inspect', '-f', '{{.Name}}', lb])) {
    const write = writer(lb);
    await write('inspect.json', `docker inspect ${lb}`);
    await write('haproxy.log', `docker logs --timestamps ${lb}`);
  }
  await Promise.all(nodes.map(async (n) => {
    const out = join(dir, n.name);
    const write = writer(n.name);
    const inNode = (cmd: string) => `docker exec ${n.name} sh -c '${cmd}'`;
    await write('inspect.json', `docker inspect ${n.name}`);
    await write('node.log', `docker logs --timestamps ${n.name}`);
    if (!n.running) return;
    await write('docker-ps.txt', inNode('docker ps -a'));
    await write('docker-images.txt', inNode('docker images'));
    await write('iptables-nat.txt', inNode('iptables-save -t nat'));
    await write('routes.txt', inNode('ip route'));
    for (const c of await componentStates(n.name).catch(() => [])) {
      await write(`${c.name}.log`, inNode(`docker logs --timestamps ${c.name} 2>&1`));
    }
    for (const c of await podContainers(n.name)) {
      mkdirSync(join(out, 'pods'), { recursive: true });
      await write(join('pods', `${c.namespace}_${c.pod}_${c.container}.log`), inNode(`docker logs --timestamps ${c.id} 2>&1`));
    }
  }));
  return written.sort();
}

/** The app containers the kubelet created in a node (not sandboxes), the newest attempt of each. */
async function podContainers(node: string): Promise<{ id: string; namespace: string; pod: string; container: string }[]> {
  const format = `{{.ID}}\t{{.Label "${LABEL.podNamespace}"}}\t{{.Label "${LABEL.podName}"}}\t{{.Label "${LABEL.containerName}"}}`;
  const out = await capture(`docker exec ${node} docker ps -a --filter label=${LABEL.sandbox}=false --format '${format}'`);
  const seen = new Set<string>();
  return out.split('\n').map((l) => l.split('\t')).filter((f) => f.length === 4 && /^[0-9a-f]+$/.test(f[0])).flatMap(([id, namespace, pod, container]) => {
    // docker ps lists the newest first.
    const key = `${namespace}_${pod}_${container}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ id, namespace, pod, container }];
  });
}
