// Builds (or reuses) the locally built images tests run: kite/pause, nginx, kite/busybox.
// deploy/build-images.sh does the work and caches by content hash; this runs it once per process.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'deploy', 'build-images.sh');

export const TEST_IMAGES = {
  pause: 'kite/pause:3.9',
  nginx: 'nginx:1.22',
  busybox: 'kite/busybox:1',
} as const;

/** A cold build (debootstrap + three images) takes about a minute; give hooks this much. */
export const IMAGE_BUILD_TIMEOUT_MS = 10 * 60_000;

let built: Promise<string> | undefined;

/** Resolves with the script's summary (what it built or reused); output is shown only on failure. */
export function ensureTestImages(): Promise<string> {
  built ??= run('bash', [SCRIPT], { maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout }) => stdout,
    (err: Error & { stdout?: string; stderr?: string }) => {
      built = undefined;
      throw new Error(`${SCRIPT} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    },
  );
  return built;
}
