// The kubelet's file source of static pods (Kubernetes' pkg/kubelet/config file.go, file_linux.go):
// `--pod-manifest-path` (KubeletConfiguration's staticPodPath) names a directory of manifests, one
// Pod per file (YAML or JSON; files starting with "." and subdirectories are skipped), or one
// manifest file. It is read at start, again whenever the directory changes (fs.watch) and every
// `--file-check-frequency` (20 s) in case a change went unnoticed; a missing directory holds no
// pods until it appears. Each read that changes the set of pods hands the whole set over. A file
// that is not one valid Pod is logged and skipped, as is a second pod with a name already taken.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { fullName, staticPodFromManifest } from './static-pods';

export interface FileSourceOptions {
  path: string;
  nodeName: string;
  /** The periodic re-list (Kubernetes' fileCheckFrequency). */
  checkFrequencyMs: number;
  /** The static pods after a read that changed them. */
  onPods(pods: Pod[]): void;
}

/** How long a burst of directory events (an editor's save) is left to settle before reading. */
const SETTLE_MS = 100;

export class StaticPodFileSource {
  /** The pods as last read, by file. */
  private pods = new Map<string, Pod>();
  /** The last problem reported per file, so a broken file is logged once, not every re-list. */
  private problems = new Map<string, string>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private handedOver = false;
  private stopped = false;
  private readonly log;

  constructor(private readonly opts: FileSourceOptions) {
    this.log = logger('kubelet', { node: opts.nodeName, module: 'file-source' });
  }

  /** Reads the manifests once (resolving after the first hand-over), then watches. */
  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => void this.read(), this.opts.checkFrequencyMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** One read at a time; a change noticed during a read makes one more. */
  read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.readOnce();
      } while (this.again && !this.stopped);
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    if (this.stopped) return;
    const files = await this.manifestFiles();
    const next = new Map<string, Pod>();
    const names = new Set<string>();
    for (const file of files) {
      let pod: Pod;
      try {
        const text = await readFile(file, 'utf8');
        pod = staticPodFromManifest(text, file, this.opts.nodeName);
      } catch (err) {
        this.problem(file, (err as Error).message);
        continue;
      }
      // An unchanged file keeps the pod first read from it (and so its config.seen).
      const previous = this.pods.get(file);
      if (previous?.metadata!.uid === pod.metadata!.uid) pod = previous;
      if (names.has(fullName(pod))) {
        this.problem(file, `pod "${fullName(pod)}" from ${file} has a name another manifest already uses; ignoring it`);
        continue;
      }
      names.add(fullName(pod));
      this.problems.delete(file);
      next.set(file, pod);
    }
    for (const file of this.problems.keys()) if (!files.includes(file)) this.problems.delete(file);
    const uids = (m: Map<string, Pod>) => [...m.values()].map((p) => p.metadata!.uid).sort().join(',');
    const changed = !this.handedOver || uids(next) !== uids(this.pods);
    this.pods = next;
    if (!changed || this.stopped) return;
    this.handedOver = true;
    this.opts.onPods([...next.values()]);
  }

  /** The manifest files under the path (the path itself when it is a file); none while it does not exist. */
  private async manifestFiles(): Promise<string[]> {
    const path = this.opts.path;
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (err) {
      this.problem(path, `unable to read config path "${path}": ${(err as Error).message}`);
      return [];
    }
    this.problems.delete(path);
    this.ensureWatch();
    if (!isDirectory) return [path];
    const files: string[] = [];
    for (const entry of (await readdir(path)).sort()) {
      if (entry.startsWith('.')) continue;
      const file = join(path, entry);
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile()) files.push(file);
    }
    return files;
  }

  /** Watches the path once it exists; a watcher that fails is dropped and made again at the next re-list. */
  private ensureWatch(): void {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = watch(this.opts.path, { persistent: false }, () => {
        clearTimeout(this.settle);
        this.settle = setTimeout(() => void this.read(), SETTLE_MS);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private problem(file: string, message: string): void {
    if (this.problems.get(file) === message) return;
    this.problems.set(file, message);
    this.log.warn({ file, err: message }, 'static pod manifest not used');
  }
}
