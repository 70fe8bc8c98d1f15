// The real kubectl and kitectl side by side on CronJobs against one apiserver (kubectl over the
// HTTPS front door, kitectl over gRPC): `create cronjob` and `create job` (--image and
// --from=cronjob/NAME) print the same objects with --dry-run=client, the same "created" lines
// and errors, create the same objects, and `get cronjobs`/`get cj` print the same columns.
import { strict as assert } from 'node:assert';
import { installedKubectl, sameAsKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

type Json = Record<string, any>;

describe('kubectl and kitectl create cronjob|job, get cronjobs (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  const same = (args: string[]) => sameAsKubectl(h, args, (err) => err.replace(/kubectl/g, 'kitectl').replace(/^E\d{4} [^\n]*"command failed" err=[^\n]*\n/m, ''));
  const getJSON = async (kind: string, name: string): Promise<Json> => JSON.parse(await h.ok(['get', kind, name, '-o', 'json']));
  const client = '--dry-run=client';

  it('create cronjob and create job --image print what kubectl prints', async () => {
    for (const args of [
      ['create', 'cronjob', 'hello', '--image=busybox', '--schedule=*/1 * * * *', client, '-o', 'json', '--', 'date'],
      ['create', 'cronjob', 'hello', '--image=busybox', '--schedule=@hourly', '--restart=Never', client, '-o', 'yaml'],
      ['create', 'cj', 'hello', '--image=busybox', '--schedule=0 0 * * *', client],
      ['create', 'job', 'pi', '--image=perl', client, '-o', 'json', '--', 'perl', '-Mbignum=bpi', '-wle', 'print bpi(20)'],
      ['create', 'job', 'pi', '--image=perl', client, '-o', 'name'],
    ]) {
      await same(args);
    }
  });

  it('refuses what kubectl refuses', async () => {
    const missing = await h.kitectl(['create', 'cronjob', 'x', client]);
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'error: required flag(s) "image", "schedule" not set\n');
    assert.equal((await h.kubectl(['create', 'cronjob', 'x', client])).code, 1);
    await same(['create', 'job', 'x', client]);
    await same(['create', 'job', 'x', '--image=busybox', '--from=cronjob/y', client]);
  });

  it('creates the same CronJob, lists it with the same columns, and instantiates it with --from', async () => {
    const create = (name: string) => ['create', 'cronjob', name, '--image=busybox', '--schedule=0 3 * * *', '--', 'echo', 'hi'];
    assert.equal(await h.ok(create('nightly')), 'cronjob.batch/nightly created\n');
    assert.equal((await h.kitectl(create('nightly-k'))).out, 'cronjob.batch/nightly-k created\n');
    const cj = await getJSON('cronjob', 'nightly');
    const mine = await getJSON('cronjob', 'nightly-k');
    mine.spec.jobTemplate.metadata.name = 'nightly';
    mine.spec.jobTemplate.spec.template.spec.containers[0].name = 'nightly';
    assert.deepEqual(mine.spec, cj.spec);
    assert.deepEqual(
      [cj.spec.concurrencyPolicy, cj.spec.suspend, cj.spec.successfulJobsHistoryLimit, cj.spec.failedJobsHistoryLimit],
      ['Allow', false, 3, 1],
    );
    const table = (s: string) => s.split('\n').map((l) => l.split(/\s{2,}/).filter((c) => !/^\d+s$/.test(c)));
    for (const args of [['get', 'cronjobs'], ['get', 'cj', 'nightly'], ['get', 'cj', '-o', 'wide']]) {
      assert.deepEqual(table((await h.kitectl(args)).out), table(await h.ok(args)), args.join(' '));
    }
    for (const args of [
      ['create', 'job', 'manual-1', '--from=cronjob/nightly', client, '-o', 'json'],
      ['create', 'job', 'manual-1', '--from=cj/nightly', client, '-o', 'yaml'],
      ['create', 'job', 'manual-1', '--from=cronjob/missing', client],
      ['create', 'job', 'manual-1', '--from=cronjob/nightly', client, '--', 'date'],
    ]) {
      await same(args);
    }
    assert.equal((await h.kitectl(['create', 'job', 'manual-1', '--from=cronjob/nightly'])).out, 'job.batch/manual-1 created\n');
    const job = await getJSON('job', 'manual-1');
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: cj.metadata.uid, controller: true }]);
    assert.deepEqual(job.spec.template.spec.containers.map((c: Json) => c.command), [['echo', 'hi']]);
  });
});
