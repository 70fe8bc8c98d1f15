// Lifecycle hooks run by the kubelet against real containers: a preStop hook runs before the
// container gets SIGTERM (and its time counts against the grace period), a postStart hook holds
// the container back from Running until it returns, and a failing one kills and restarts it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const BUSYBOX = TEST_IMAGES.busybox;
/** Seconds since boot: one clock for every container on the machine. */
const UPTIME = `$(cut -d' ' -f1 /proc/uptime)`;

describe('kubelet lifecycle hooks on Docker', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;
  let dir: string;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('kll');
    await fx.startKubelet();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-hooks-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  after(async () => {
    await fx?.cleanup();
  });

  /** Runs a shell command in the pod's container; resolves with its exit code. */
  async function sh(pod: Pod, script: string): Promise<number> {
    const id = containerStatus(pod, 'c')!.containerID.slice('docker://'.length);
    const session = await fx.runtime.exec(id, ['sh', '-c', script]);
    session.stdout.resume();
    session.stderr.resume();
    return session.exitCode;
  }

  it('runs preStop before SIGTERM when the pod is deleted, within the grace period', async () => {
    await fx.createPod(
      'prestop',
      [
        {
          name: 'c',
          image: BUSYBOX,
          // Records when SIGTERM arrives, then exits.
          command: ['sh', '-c', `term() { echo term ${UPTIME} >> /out/log; exit 0; }; trap term TERM; echo up >> /out/log; while true; do sleep 1 & wait $!; done`],
          volumeMounts: [{ name: 'out', mountPath: '/out' }],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', `echo hook ${UPTIME} >> /out/log; sleep 2; echo hook-done ${UPTIME} >> /out/log`] } } },
        },
      ],
      { terminationGracePeriodSeconds: 10, volumes: [{ name: 'out', hostPath: { path: dir } }] },
    );
    await fx.waitForPod('prestop', 'Running', (p) => !!containerStatus(p, 'c')?.state?.running);
    const t0 = Date.now();
    await fx.client.pods.delete('prestop');
    await waitFor('prestop deleted', async () => fx.client.pods.get('prestop').then(() => false, () => true), 15_000, 50);
    const took = Date.now() - t0;
    const log = readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
    assert.deepEqual(log.map((l) => l.split(' ')[0]), ['up', 'hook', 'hook-done', 'term'], log.join('\n'));
    const at = (what: string) => Number(log.find((l) => l.startsWith(`${what} `))!.split(' ')[1]);
    assert.ok(at('term') - at('hook') >= 1.9, `SIGTERM ${at('term') - at('hook')} s after the hook started`);
    assert.ok(at('term') >= at('hook-done'));
    assert.ok(took >= 1_900 && took < 9_000, `deletion took ${took} ms (2 s of hook, then a prompt exit)`);
    const events = await fx.events('prestop');
    assert.ok(!events.some((e) => e.reason === 'FailedPreStopHook'), 'the hook succeeded');
  });

  it('reports a container Running only once postStart returned, and restarts one whose postStart fails', async () => {
    await fx.createPod('poststart', [
      {
        name: 'c',
        image: BUSYBOX,
        command: ['sleep', '3600'],
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'sleep 2; touch /tmp/post-started'] } } },
      },
    ], { terminationGracePeriodSeconds: 0 });
    const running = await fx.waitForPod('poststart', 'Running', (p) => !!containerStatus(p, 'c')?.state?.running);
    assert.equal(await sh(running, 'test -f /tmp/post-started'), 0, 'the hook had finished when Running was reported');

    await fx.createPod('badhook', [
      {
        name: 'c',
        image: BUSYBOX,
        command: ['sleep', '3600'],
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo cannot start; exit 7'] } } },
      },
    ], { terminationGracePeriodSeconds: 1 });
    const restarted = await fx.waitForPod('badhook', 'restarted after the hook failed', (p) => (containerStatus(p, 'c')?.restartCount ?? 0) >= 1);
    assert.ok(!containerStatus(restarted, 'c')!.ready);
    const events = await fx.events('badhook');
    const failed = events.find((e) => e.reason === 'FailedPostStartHook');
    assert.equal(failed?.type, 'Warning');
    assert.match(failed?.message ?? '', /^Exec lifecycle hook \(\[sh -c echo cannot start; exit 7\]\) for Container "c" in Pod "badhook_default\(.*\)" failed - error: command '.*' exited with 7: cannot start/);
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'FailedPostStartHook'));
    await fx.waitForPod('badhook', 'CrashLoopBackOff', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'CrashLoopBackOff', 20_000);
  });
});
