// The real kubectl on Jobs against a dev apiserver with the Job controller (no kubelet: the test
// finishes the pod through the status subresource, as a kubelet would): `create job`, `get jobs`
// (and -o wide) printed from the server's Table, `wait --for=condition=complete`, and kitectl
// printing the same columns and `describe job` as kubectl does; `delete job` takes the pods along;
// a suspended Job (no start time) reads and prints as Suspended.
import { strict as assert } from 'node:assert';
import { waitFor } from '../../support/wait';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

describe('kubectl create job, get jobs, wait --for=condition=complete (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  it('runs a Job to completion as kubectl sees it', async () => {
    assert.equal(await h.ok(['create', 'job', 'pi', '--image=busybox', '--', 'echo', 'hi']), 'job.batch/pi created\n');
    const running = await waitFor('the pod running', async () => {
      const pods = (await h.admin.pods.list({ namespace: h.namespace, labelSelector: 'batch.kubernetes.io/job-name=pi' })).items;
      return pods.length === 1 && pods[0].status?.phase === 'Running' ? pods[0] : undefined;
    });
    const before = await h.ok(['get', 'jobs']);
    assert.match(before, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\npi\s+Running\s+0\/1\s+\d+s\s+\d+s\n$/);

    const waiting = h.background(['wait', '--for=condition=complete', 'job/pi', '--timeout=60s']);
    const pod = await h.admin.pods.get(running.metadata!.name, h.namespace);
    pod.status = { ...pod.status!, phase: 'Succeeded' };
    await h.admin.pods.updateStatus(pod);
    const waited = await waiting.done;
    assert.equal(waited.out, 'job.batch/pi condition met\n', waited.err);

    const after = await h.ok(['get', 'jobs']);
    assert.match(after, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\npi\s+Complete\s+1\/1\s+\d+s\s+\d+s\n$/);
    const job = JSON.parse(await h.ok(['get', 'job', 'pi', '-o', 'json']));
    const uid = job.metadata.uid;
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
    const wide = await h.ok(['get', 'jobs', '-o', 'wide']);
    assert.match(wide, new RegExp(`^NAME\\s+STATUS\\s+COMPLETIONS\\s+DURATION\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR\\npi\\s+Complete\\s+1/1\\s+\\d+s\\s+\\d+s\\s+pi\\s+busybox\\s+batch.kubernetes.io/controller-uid=${uid}\\n$`));
    // kitectl prints the same columns client-side.
    const cells = (s: string) => s.split('\n').map((l) => l.split(/\s{2,}/).filter((c) => !/^\d+s$/.test(c)));
    assert.deepEqual(cells((await h.kitectl(['get', 'jobs', '-o', 'wide'])).out), cells(wide));
    // describe job: kitectl prints kubectl's describeJob (ages aside).
    const ages = (s: string) => s.replace(/\b\d+s\b/g, 'Ns').replace(/ +/g, ' ');
    const described = await h.ok(['describe', 'job', 'pi']);
    assert.match(described, /^Name:\s+pi\n/);
    assert.match(described, /\nLabels:\s+batch.kubernetes.io\/controller-uid=/);
    assert.equal(ages((await h.kitectl(['describe', 'job', 'pi'])).out), ages(described));
    // kubectl delete (background propagation): the garbage collector takes the pod too.
    assert.equal(await h.ok(['delete', 'job', 'pi']), 'job.batch "pi" deleted\n');
    await waitFor('the pod collected', async () => (await h.admin.pods.list({ namespace: h.namespace, labelSelector: 'batch.kubernetes.io/job-name=pi' })).items.length === 0);
  });

  it('reads a suspended Job (no start time yet) and prints it Suspended', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'held' },
      spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    assert.equal(await h.ok(['apply', '-f', '-'], { stdin: manifest }), 'job.batch/held created\n');
    await waitFor('Suspended', async () => (await h.admin.jobs.get('held', h.namespace)).status?.conditions.some((c) => c.type === 'Suspended'));
    const job = JSON.parse(await h.ok(['get', 'job', 'held', '-o', 'json']));
    assert.equal(job.status.startTime, undefined);
    assert.deepEqual(job.status.conditions.map((c: { type: string; reason: string }) => `${c.type}:${c.reason}`), ['Suspended:JobSuspended']);
    assert.match(await h.ok(['get', 'job', 'held']), /\nheld\s+Suspended\s+0\/1\s+\d+s\n$/);
    assert.match(await h.ok(['describe', 'job', 'held']), /\nSuspend:\s+true\n/);
  });
});
