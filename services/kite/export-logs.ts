// `kite export logs [DIR]`: per node, each component container's log, the node engine's log,
// `docker ps -a`, images, the nat table and routes inside the node, and the node's inspect output.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentStates } from './components';
import type { ExistingNode } from './nodes';

/** A shell command's merged output (or its failure) as text for a log file. Names passed in are DNS labels. */
function capture(command: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', `${command} 2>&1`], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      resolve(err ? `${stdout}\n(failed: ${err.message})\n` : stdout);
    });
  });
}

export async function exportLogs(nodes: ExistingNode[], dir: string): Promise<string[]> {
  const written: string[] = [];
  await Promise.all(nodes.map(async (n) => {
    const out = join(dir, n.name);
    mkdirSync(out, { recursive: true });
    const write = async (file: string, command: string) => {
      writeFileSync(join(out, file), await capture(command));
      written.push(join(out, file));
    };
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
  }));
  return written.sort();
}
