// Images of a Kite cluster: the node image (the node base from deploy/build-images.sh plus the
// Kite application, tagged by the application's content hash), the near-empty component image
// each node imports from its own files, the cluster DNS server's image (kite-dns bundled into one
// file by esbuild on the Node.js runtime image, as kind's nodes carry the CoreDNS image), and
// the images every node's engine holds (the pause image, the example images). Builds are skipped
// when the hash tag exists; loads are skipped for images a node already has with the same ID.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { APP_PATHS, DEV_ONLY_MODULES, appHash } from './app-files';
import { docker, dockerMaybe, nodeExec } from './docker-cli';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const NODE_BASE_IMAGE = 'kite/node-base:bookworm';
/** What component containers run: an image holding only mount points, with the node's /usr mounted (see componentImage). */
export const COMPONENT_IMAGE = 'kite/component:rootfs';
const COMPONENT_ROOTFS = '/usr/local/lib/kite/component-rootfs';
export const PAUSE_IMAGE = 'kite/pause:3.9';
/** Loaded into every node at create: the pod sandbox and the images examples and tests use. */
export const NODE_IMAGES = [PAUSE_IMAGE, 'nginx:1.22', 'nginx:latest', 'kite/busybox:1', 'busybox:latest'];
const BASE_BUILDS = ['pause', 'nginx', 'busybox', 'nodejs', 'node'];
/** Node.js on the base (deploy/images/nodejs/): what the kite-dns image adds its program to. */
const NODEJS_IMAGE = 'kite/nodejs:bookworm';
/** Where the application lives inside nodes (bind-mounted read-only into component containers). */
export const APP_DIR = '/opt/kite';

export async function imageId(image: string): Promise<string | undefined> {
  return (await dockerMaybe(['image', 'inspect', '-f', '{{.Id}}', image]))?.trim();
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${out.trim()}`))));
  });
}

/** Builds (or reuses) the base images with deploy/build-images.sh, and the named extra ones (haproxy for a load balancer). */
export async function ensureBaseImages(extra: string[] = []): Promise<void> {
  await run('bash', [join(REPO_ROOT, 'deploy', 'build-images.sh'), ...BASE_BUILDS, ...extra]);
}

/** The node image for the current application; built when its hash tag is missing. Returns its tag. */
export async function ensureNodeImage(): Promise<{ image: string; built: boolean }> {
  const baseId = await imageId(NODE_BASE_IMAGE);
  if (!baseId) throw new Error(`${NODE_BASE_IMAGE} is missing: run deploy/build-images.sh`);
  const image = `kite/node:h-${appHash(REPO_ROOT, baseId)}`;
  if (await imageId(image)) return { image, built: false };
  const ctx = mkdtempSync(join(tmpdir(), 'kite-node-image-'));
  try {
    writeFileSync(
      join(ctx, 'Dockerfile.kite-node'),
      `FROM ${NODE_BASE_IMAGE}\nCOPY . ${APP_DIR}\nLABEL io.kite.image=node\n`,
    );
    writeFileSync(join(ctx, '.dockerignore'), 'Dockerfile.kite-node\n.dockerignore\n');
    // The build context is one tar stream: the Dockerfile from ctx, the application from the repository.
    const excludes = DEV_ONLY_MODULES.map((m) => `--exclude=./node_modules/${m}`);
    const tar = `tar -c -C ${q(ctx)} Dockerfile.kite-node .dockerignore -C ${q(REPO_ROOT)} ${excludes.join(' ')} ` +
      `--exclude=./node_modules/better-sqlite3/deps --exclude=./node_modules/better-sqlite3/src ` +
      `${APP_PATHS.map((p) => `./${p}`).join(' ')} ./node_modules`;
    await run('bash', ['-o', 'pipefail', '-c', `${tar} | docker build -q -f Dockerfile.kite-node -t ${image} -`], { ...process.env, DOCKER_BUILDKIT: '0' });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  await pruneBuilds('kite/node', image);
  return { image, built: true };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Node images younger than this are kept: a concurrent `kite create` may be about to use one. */
const PRUNE_AFTER_MS = 30 * 60_000;

/** Removes older builds of a repository (kite/node, kite/dns); those a container still uses stay. */
async function pruneBuilds(repo: string, keep: string): Promise<void> {
  const tags = (await docker(['images', '--format', '{{.Repository}}:{{.Tag}}', repo])).split('\n').filter((t) => t.startsWith(`${repo}:h-`) && t !== keep);
  await Promise.all(tags.map(async (t) => {
    const created = Date.parse((await dockerMaybe(['image', 'inspect', '-f', '{{.Created}}', t]))?.trim() ?? '');
    if (Date.now() - created > PRUNE_AFTER_MS) await dockerMaybe(['rmi', t]);
  }));
}

/**
 * The cluster DNS server's image: services/kite-dns/main.ts and its dependencies bundled into
 * one file (3 MB) on the Node.js image, tagged kite/dns:h-<hash of the bundle and the runtime>;
 * built when that tag is missing. Returns its tag.
 */
export async function ensureDnsImage(): Promise<{ image: string; built: boolean }> {
  const runtimeId = await imageId(NODEJS_IMAGE);
  if (!runtimeId) throw new Error(`${NODEJS_IMAGE} is missing: run deploy/build-images.sh`);
  const ctx = mkdtempSync(join(tmpdir(), 'kite-dns-image-'));
  try {
    await build({
      entryPoints: [join(REPO_ROOT, 'services', 'kite-dns', 'main.ts')],
      bundle: true,
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      outfile: join(ctx, 'kite-dns.js'),
      logLevel: 'error',
    });
    const bundle = readFileSync(join(ctx, 'kite-dns.js'));
    const image = `kite/dns:h-${createHash('sha256').update(runtimeId).update(bundle).digest('hex').slice(0, 12)}`;
    if (await imageId(image)) return { image, built: false };
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${NODEJS_IMAGE}\nCOPY kite-dns.js /opt/kite-dns/kite-dns.js\nLABEL io.kite.image=dns\nENTRYPOINT ["node", "/opt/kite-dns/kite-dns.js"]\n`,
    );
    await run('docker', ['build', '-q', '-t', image, ctx], { ...process.env, DOCKER_BUILDKIT: '0' });
    await pruneBuilds('kite/dns', image);
    return { image, built: true };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** Imports the component image inside a node from the node's own skeleton root (a few kilobytes; no load from the host). */
export async function ensureComponentImage(node: string): Promise<void> {
  await nodeExec(node, ['sh', '-c', `docker image inspect ${COMPONENT_IMAGE} >/dev/null 2>&1 || tar -C ${COMPONENT_ROOTFS} -c . | docker import - ${COMPONENT_IMAGE} >/dev/null`]);
}

/** Which of `images` the node lacks or holds with a different ID than the host. */
async function missingIn(node: string, images: string[], hostIds: Map<string, string>): Promise<string[]> {
  const out = await nodeExec(node, ['sh', '-c', `for i in ${images.map(q).join(' ')}; do echo "$i $(docker image inspect -f '{{.Id}}' "$i" 2>/dev/null)"; done`]);
  const have = new Map(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
  return images.filter((i) => have.get(i) !== hostIds.get(i));
}

/**
 * Loads host images into nodes' engines: one `docker save` per distinct set of missing images
 * (layers shared by the images are saved once), loaded into the nodes concurrently.
 */
export async function loadImages(nodes: string[], images: string[]): Promise<{ loaded: Record<string, string[]> }> {
  const hostIds = new Map<string, string>();
  for (const i of images) {
    const id = await imageId(i);
    if (!id) throw new Error(`image "${i}" is not present on the host`);
    hostIds.set(i, id);
  }
  const missing = await Promise.all(nodes.map((n) => missingIn(n, images, hostIds)));
  const groups = new Map<string, string[]>();
  nodes.forEach((n, i) => {
    if (missing[i].length === 0) return;
    const key = missing[i].join(' ');
    groups.set(key, [...(groups.get(key) ?? []), n]);
  });
  const loaded: Record<string, string[]> = {};
  const dir = mkdtempSync(join(tmpdir(), 'kite-images-'));
  try {
    for (const [key, group] of groups) {
      const archive = join(dir, 'images.tar');
      const set = key.split(' ');
      await docker(['save', '-o', archive, ...set]);
      await Promise.all(group.map((n) => nodeExec(n, ['docker', 'load', '-q'], { inputFile: archive })));
      for (const n of group) loaded[n] = set;
      rmSync(archive, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { loaded };
}
