// bench:cluster: `kite create cluster --config kind-config.yaml` cold (the node image rebuilt
// from the current sources; base images already built) and warm (everything cached), the time
// until the nginx example's 3 pods are Ready, each control-plane component's memory in the idle
// cluster, and `kite delete cluster`.
//   npm run bench:cluster
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import './lib/own-config';
import { writeBenchmarkSection } from './lib/report';

const run = promisify(execFile);
const REPO = join(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const kite = (args: string[]) => run('node', [join(REPO, 'bin', 'kite'), ...args], { cwd: REPO, maxBuffer: 64 << 20 });

async function nginxReadyMs(kubeconfig: string): Promise<number> {
  const kitectl = (args: string[]) => run('node', [join(REPO, 'bin', 'kitectl'), '--kubeconfig', kubeconfig, ...args], { cwd: REPO });
  const t0 = performance.now();
  await kitectl(['apply', '-f', join(REPO, 'examples', 'nginx.yaml')]);
  for (;;) {
    const pods = JSON.parse((await kitectl(['get', 'pods', '-l', 'app=nginx', '-o', 'json'])).stdout).items as { status: { conditions?: { type: string; status: string }[] } }[];
    if (pods.length === 3 && pods.every((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) return performance.now() - t0;
    if (performance.now() - t0 > 180_000) throw new Error('nginx not Ready after 180 s');
    await sleep(250);
  }
}

/** The control plane's static pod containers, named by the kubelet kite_<container>_<pod>_<namespace>_<uid>_<attempt>. */
const CONTROL_PLANE_CONTAINER = /^kite_(etcd|kube-apiserver|kube-controller-manager|kube-scheduler)_/;

/** The memory of the node's component containers (kite-kubelet) and of its control plane's static pods, by name. */
async function componentMemory(node: string): Promise<string[]> {
  const { stdout } = await run('docker', ['exec', node, 'docker', 'stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}']);
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('kite-') || CONTROL_PLANE_CONTAINER.test(l))
    .map((l) => {
      const [name, mem] = l.split('\t');
      return `| ${CONTROL_PLANE_CONTAINER.exec(name)?.[1] ?? name} | ${mem.split(' / ')[0]} |`;
    })
    .sort();
}

async function main(): Promise<void> {
  const name = `bench-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-'));
  const kubeconfig = join(dir, 'config');
  const create = () => kite(['create', 'cluster', '--config', join(REPO, 'kind-config.yaml'), '--name', name, '--kubeconfig', kubeconfig, '--wait', '3m']);
  const remove = () => kite(['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig]);
  try {
    await kite(['build', 'node-image']);
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'kite/node']);
    for (const tag of stdout.split('\n').filter((t) => t.startsWith('kite/node:h-'))) await run('docker', ['rmi', tag]).catch(() => undefined);
    const cold = await timed(create);
    await remove();
    const warm = await timed(create);
    const nginx = await nginxReadyMs(kubeconfig);
    await sleep(20_000);
    const memory = await componentMemory(`${name}-control-plane`);
    const workerMemory = await componentMemory(`${name}-worker`);
    const del = await timed(remove);
    const md = [
      '1 control-plane + 2 workers from `kind-config.yaml`; the kubelet its own container inside the node containers, the control plane static pods of the control-plane node\'s kubelet.',
      '',
      '| step | time |',
      '|---|---|',
      `| create cluster, cold (node image rebuilt from the sources; base images built) | ${secs(cold)} |`,
      `| create cluster, warm (images cached) | ${secs(warm)} |`,
      `| nginx example applied -> 3 pods Ready | ${secs(nginx)} |`,
      `| delete cluster | ${secs(del)} |`,
      '',
      'Memory of the components after 20 s idle (docker stats inside the nodes):',
      '',
      '| container | memory |',
      '|---|---|',
      ...memory.map((l) => l.replace('| ', '| control-plane ')),
      ...workerMemory.map((l) => l.replace('| kite-', '| worker kite-')),
    ].join('\n');
    process.stdout.write(`${md}\n`);
    writeBenchmarkSection('bench:cluster', 'npm run bench:cluster', md);
  } finally {
    await remove().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:cluster: ${err.message}\n`);
  process.exit(1);
});
