// The Docker runtime's streams and images against the real engine: logs (tail, timestamps, since,
// follow), exec (stdout, stderr, stdin, exit codes), attach (the main process' streams, its exit
// code, detaching) and pulling with no registry.
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { ContainerNotFoundError, ImagePullError } from '../../../services/kubelet/runtime/errors';
import type { Container } from '../../../lib/gen/kite/core/v1/types';
import type { LogLine } from '../../../services/kubelet/runtime/types';
import { runtimeFixture, testPod, uniqueName, type RuntimeFixture } from '../../support/docker';
import { ensureTestImages, IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { readAll } from '../../support/streams';

const BUSYBOX = TEST_IMAGES.busybox;

describe('kubelet runtime on Docker: logs, exec, attach, images', function () {
  this.timeout(60_000);
  let fx: RuntimeFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    await ensureTestImages();
    fx = await runtimeFixture('rtio');
  });

  after(async () => {
    await fx?.cleanup();
  });

  async function runOne(command: string[], image: string = BUSYBOX, container: Partial<Container> = {}): Promise<{ id: string; ip: string }> {
    const pod = testPod(uniqueName('io'), [{ name: 'main', image, command, ...container }]);
    const sandbox = await fx.runtime.runPodSandbox(pod, { network: fx.network });
    const id = await fx.runtime.createContainer(sandbox.id, pod, pod.spec!.containers[0]);
    await fx.runtime.startContainer(id);
    return { id, ip: sandbox.ip };
  }

  async function collect(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
    const out: LogLine[] = [];
    for await (const l of lines) out.push(l);
    return out;
  }

  describe('logs', () => {
    let id: string;

    before(async () => {
      ({ id } = await runOne(['sh', '-c', 'for i in 1 2 3 4 5; do echo out-$i; done; echo err-1 >&2; sleep 1000']));
      await waitFor('the output', async () => (await collect(fx.runtime.logs(id))).length === 6 || undefined);
    });

    it('returns every line with the stream it was written to', async () => {
      const lines = await collect(fx.runtime.logs(id));
      assert.deepEqual(
        lines.filter((l) => l.stream === 'stdout').map((l) => l.line),
        ['out-1', 'out-2', 'out-3', 'out-4', 'out-5'],
      );
      assert.deepEqual(lines.filter((l) => l.stream === 'stderr'), [{ stream: 'stderr', line: 'err-1' }]);
    });

    it('returns only the last lines with tail', async () => {
      // Docker copies stdout and stderr separately, so only the log's own order is defined.
      const all = await collect(fx.runtime.logs(id));
      assert.deepEqual(await collect(fx.runtime.logs(id, { tail: 2 })), all.slice(-2));
      assert.deepEqual(await collect(fx.runtime.logs(id, { tail: 0 })), []);
    });

    it('splits off timestamps when asked, and honours since', async () => {
      const plain = await collect(fx.runtime.logs(id));
      const stamped = await collect(fx.runtime.logs(id, { timestamps: true }));
      assert.deepEqual(stamped.map((l) => [l.stream, l.line]), plain.map((l) => [l.stream, l.line]));
      for (const l of stamped) assert.match(l.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const future = new Date(Date.now() + 60_000);
      assert.deepEqual(await collect(fx.runtime.logs(id, { since: future })), []);
    });

    it('keeps an unterminated last line of an exited container', async () => {
      const { id: done } = await runOne(['sh', '-c', 'echo first; printf last']);
      await waitFor('exit', async () => (await fx.runtime.inspectContainer(done)).state === 'exited' || undefined);
      assert.deepEqual((await collect(fx.runtime.logs(done))).map((l) => l.line), ['first', 'last']);
    });

    it('follows new output until aborted', async () => {
      const { id: ticker } = await runOne(['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done']);
      const abort = new AbortController();
      const seen: string[] = [];
      const started = Date.now();
      for await (const l of fx.runtime.logs(ticker, { follow: true, signal: abort.signal })) {
        seen.push(l.line);
        if (seen.length === 4) abort.abort();
      }
      assert.deepEqual(seen, ['tick-1', 'tick-2', 'tick-3', 'tick-4']);
      assert.ok(Date.now() - started >= 500, 'follow returned lines before they were written');
    });

    it('shows nginx requests in its logs', async () => {
      const { id: web, ip } = await runOne([], 'nginx');
      await waitFor('nginx', async () => (await fetch(`http://${ip}/kite-probe`, { signal: AbortSignal.timeout(2000) })).status === 404 || undefined);
      const lines = await waitFor('the access log line', async () => {
        const all = await collect(fx.runtime.logs(web));
        return all.some((l) => l.stream === 'stdout' && l.line.includes('GET /kite-probe')) ? all : undefined;
      });
      assert.ok(lines.some((l) => l.stream === 'stderr' && l.line.includes('/kite-probe')), 'the 404 is not in the error log');
    });

    it('fails clearly for a container that does not exist', async () => {
      await assert.rejects(collect(fx.runtime.logs('0123456789ab-no-such-container')), ContainerNotFoundError);
    });
  });

  describe('exec', () => {
    let id: string;

    before(async () => {
      ({ id } = await runOne(['sleep', '1000']));
    });

    it('captures stdout and stderr apart and passes the exit code through', async () => {
      const session = await fx.runtime.exec(id, ['sh', '-c', 'echo hi; echo oops >&2; exit 3']);
      const [stdout, stderr, code] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
      assert.equal(stdout, 'hi\n');
      assert.equal(stderr, 'oops\n');
      assert.equal(code, 3);
    });

    it('feeds stdin and closes it at its end', async () => {
      const session = await fx.runtime.exec(id, ['sh', '-c', 'cat; echo done'], { stdin: Readable.from(['hello ', 'world\n']) });
      const [stdout, code] = await Promise.all([readAll(session.stdout), session.exitCode]);
      assert.equal(stdout, 'hello world\ndone\n');
      assert.equal(code, 0);
    });

    it('keeps output and exit code when the process exits without reading its stdin', async () => {
      const big = Readable.from((function* () {
        for (let i = 0; i < 256; i++) yield Buffer.alloc(64 * 1024, 120);
      })());
      const session = await fx.runtime.exec(id, ['sh', '-c', 'echo bye; exit 4'], { stdin: big });
      const [stdout, code] = await Promise.all([readAll(session.stdout), session.exitCode]);
      assert.equal(stdout, 'bye\n');
      assert.equal(code, 4);
    });

    it('runs with env and working dir, and merges streams with a tty', async () => {
      const session = await fx.runtime.exec(id, ['sh', '-c', 'echo "$WHO in $(pwd)"; echo err >&2'], {
        tty: true,
        env: [{ name: 'WHO', value: 'exec' }],
        workingDir: '/etc',
      });
      const [stdout, stderr, code] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
      assert.equal(stdout.replace(/\r/g, ''), 'exec in /etc\nerr\n');
      assert.equal(stderr, '');
      assert.equal(code, 0);
    });

    it('reports a missing executable with a non-zero exit code', async () => {
      const session = await fx.runtime.exec(id, ['no-such-binary']);
      const [stdout, stderr, code] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
      assert.ok(code === 126 || code === 127, `exit code ${code}`);
      assert.match(stdout + stderr, /no-such-binary/);
    });
  });

  describe('attach', () => {
    const reader = { stdin: true, stdinOnce: true };

    it("feeds the main process' stdin (closing it at its end), keeps stdout and stderr apart and ends with its exit code", async () => {
      const { id } = await runOne(['sh', '-c', 'read a; echo got:$a; echo oops >&2; read b || echo eof; exit 5'], BUSYBOX, reader);
      const session = await fx.runtime.attach(id, { stdin: Readable.from(['hello\n']) });
      const [stdout, stderr, code] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
      assert.equal(stdout, 'got:hello\neof\n');
      assert.equal(stderr, 'oops\n');
      assert.equal(code, 5);
    });

    it("reads a tty container's output as one stream", async () => {
      const { id } = await runOne(['sh', '-c', 'read a; echo out:$a; echo err >&2'], BUSYBOX, { ...reader, tty: true });
      const stdin = new PassThrough();
      const session = await fx.runtime.attach(id, { stdin, tty: true });
      // The process waits for its line, so the terminal is still there to resize.
      await session.resize(100, 30);
      // Its line only: a tty's stdin closed at once may take the unread line with it (Docker's tty).
      stdin.write('x\n');
      const [stdout, stderr, code] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
      stdin.end();
      assert.match(stdout, /out:x\r\nerr\r\n/);
      assert.equal(stderr, '');
      assert.equal(code, 0);
    });

    it('detaches on its signal and leaves the process running', async () => {
      const { id } = await runOne(['sh', '-c', 'while true; do echo tick; sleep 0.1; done']);
      const detach = new AbortController();
      const session = await fx.runtime.attach(id, { signal: detach.signal });
      await new Promise((resolve) => session.stdout.once('data', resolve));
      detach.abort();
      assert.equal(await session.exitCode, undefined);
      assert.equal((await fx.runtime.inspectContainer(id)).state, 'running');
    });
  });

  describe('images', () => {
    it('finds local images, normalising a bare name to :latest', async () => {
      assert.equal(await fx.runtime.imageExists('nginx'), true);
      assert.equal(await fx.runtime.imageExists('nginx:1.22'), true);
      assert.equal(await fx.runtime.imageExists(TEST_IMAGES.pause), true);
      assert.equal(await fx.runtime.imageExists(`kite-test/${uniqueName('absent')}`), false);
    });

    it('fails a pull with no registry quickly, with the engine message and ErrImagePull', async () => {
      const image = `kite-test/${uniqueName('absent')}:1`;
      const started = Date.now();
      const err = await fx.runtime.pullImage(image).then(
        () => assert.fail('the pull succeeded'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ImagePullError, String(err));
      assert.equal(err.reason, 'ErrImagePull');
      assert.equal(err.image, image);
      assert.match(err.message, new RegExp(`^failed to pull image "${image}": \\S`));
      assert.doesNotMatch(err.message, /HTTP code/);
      assert.ok(Date.now() - started < 30_000);
    });
  });
});
