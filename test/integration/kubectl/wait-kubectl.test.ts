// `kitectl wait` beside the real kubectl wait on the same dev apiserver (the harness's Job
// controller and stand-in kubelet, which keeps pods Running): --for=condition (case-insensitive,
// with a status), --for=jsonpath, --for=create, --for=delete (of an object there and of one that
// is not), the timeout, a missing object and an empty selector, with kubectl's output and exit
// codes; and kitectl's wait seeing a deletion that happens while it watches.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Cli } from '../../../services/kitectl/cli-context';
import { waitCmd } from '../../../services/kitectl/wait';
import { waitFor } from '../../support/wait';
import { installedKubectl, sameAsKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

describe('kitectl wait matches kubectl wait (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  /**
   * kubectl and kitectl, the same arguments: the same exit code, output and error output, less
   * client-go's log lines in kubectl's (a watch its --timeout cuts short may log "very short watch").
   */
  const same = (args: string[]) => sameAsKubectl(h, args, (err) => err.replace(/^[IWE]\d{4} [^\n]*\n/gm, ''));

  async function runningPod(job: string) {
    return waitFor(`the pod of ${job} running`, async () => {
      const pods = (await h.admin.pods.list({ namespace: h.namespace, labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;
      return pods.length === 1 && pods[0].status?.phase === 'Running' ? pods[0] : undefined;
    });
  }

  it('waits for a condition (any case, with a status) and for a jsonpath value', async () => {
    await h.ok(['create', 'job', 'done', '--image=busybox', '--', 'true']);
    const pod = await runningPod('done');
    const kubectlWait = h.background(['wait', '--for=condition=complete', 'job/done', '--timeout=60s']);
    const kitectlWait = h.kitectl(['wait', '--for=condition=complete', 'job/done', '--timeout=60s']);
    pod.status = { ...pod.status!, phase: 'Succeeded' };
    await h.admin.pods.updateStatus(pod);
    const [want, got] = await Promise.all([kubectlWait.done, kitectlWait]);
    assert.equal(want.out, 'job.batch/done condition met\n', want.err);
    assert.deepEqual({ code: got.code, out: got.out, err: got.err }, { code: 0, out: want.out, err: '' });

    await same(['wait', '--for=condition=Complete=True', 'job/done']);
    await same(['wait', '--for=jsonpath={.status.succeeded}=1', 'job', 'done']);
    await same(['wait', '--for=condition=complete', 'job', '--all', '--timeout=5s']);
  });

  it('times out with kubectl words and exit code, and reports a missing object or an empty selection', async () => {
    await h.ok(['create', 'job', 'busy', '--image=busybox', '--', 'sleep', '3600']);
    await runningPod('busy');
    const timedOut = await same(['wait', '--for=condition=complete', 'job/busy', '--timeout=1s']);
    assert.equal(timedOut.err, 'error: timed out waiting for the condition on jobs/busy\n');
    await same(['wait', '--for=jsonpath={.status.active}=1', 'job/busy', '--timeout=10s']);
    const missing = await same(['wait', '--for=condition=complete', 'job/nope', '--timeout=1s']);
    assert.equal(missing.code, 1);
    const none = await same(['wait', '--for=condition=complete', 'jobs', '-l', 'app=none', '--timeout=1s']);
    assert.equal(none.err, 'error: no matching resources found\n');
    await same(['wait', '--for=bogus', 'job/busy']);
  });

  it('waits for an object to be created', async () => {
    const none = await same(['wait', '--for=create', 'job/later', '--timeout=1s']);
    assert.equal(none.err, 'error: timed out waiting for the condition\n');
    const kubectlWait = h.background(['wait', '--for=create', 'job/later', '--timeout=60s']);
    const kitectlWait = h.kitectl(['wait', '--for=create', 'job/later', '--timeout=60s']);
    await h.ok(['create', 'job', 'later', '--image=busybox', '--', 'true']);
    const [want, got] = await Promise.all([kubectlWait.done, kitectlWait]);
    assert.equal(want.out, 'job.batch/later condition met\n', want.err);
    assert.deepEqual({ code: got.code, out: got.out, err: got.err }, { code: 0, out: want.out, err: '' });
  });

  it('waits for a deletion, and is done at once for an object already gone', async () => {
    assert.deepEqual(await same(['wait', '--for=delete', 'job/never-there']), { code: 0, out: '', err: '' });
    // A Job held by a finalizer stays (being deleted): both time out on it alike.
    await h.ok(['create', 'job', 'doomed', '--image=busybox', '--', 'sleep', '3600']);
    await h.admin.jobs.patch('doomed', { metadata: { finalizers: ['example.com/hold'] } }, { namespace: h.namespace, type: 'merge' });
    await h.ok(['delete', 'job', 'doomed', '--wait=false']);
    const held = await same(['wait', '--for=delete', 'job/doomed', '--timeout=1s']);
    assert.equal(held.err, 'error: timed out waiting for the condition on jobs/doomed\n');

    // kitectl in-process, to release the Job only once its watch is open.
    let out = '';
    const cli = new Cli({ kubeconfig: join(h.dir, 'kitectl-config') }, { out: (t) => (out += t), err: () => {}, readStdin: async () => '', signal: new AbortController().signal });
    const cs = await cli.clientset();
    let watching!: () => void;
    const opened = new Promise<void>((resolve) => (watching = resolve));
    const resource = cs.resource.bind(cs);
    cs.resource = ((kind: Parameters<typeof resource>[0]) => {
      const client = resource(kind);
      const watch = client.watch.bind(client);
      client.watch = (...args: Parameters<typeof watch>) => (watching(), watch(...args));
      return client;
    }) as typeof cs.resource;
    try {
      const waited = waitCmd(cli, ['job/doomed'], { for: 'delete', timeout: '60s' });
      await opened;
      await h.admin.jobs.patch('doomed', { metadata: { finalizers: [] } }, { namespace: h.namespace, type: 'merge' });
      await waited;
      assert.equal(out, 'job.batch/doomed condition met\n');
    } finally {
      cli.close();
    }
  });
});
