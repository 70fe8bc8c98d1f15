// The Job's write path as Kubernetes' SetDefaults_Job, the job strategy's generated selector and
// ValidateJob / ValidateJobUpdate, with Kubernetes' field paths and messages; and kubectl's job and
// cronjob printer columns (printJob, printCronJob).
import assert from 'node:assert/strict';
import { CronJob, Job } from '../../../../../lib/gen/kite/batch/v1/types';
import { columnsFor } from '../../../../../lib/printers/table-columns';
import { defaultJob, prepareJobForCreate, validateJob, validateJobUpdate } from '../../../../../services/apiserver/registry/validation/job-validation';

const UID = '0b6c1f3e-1111-4222-8333-944455556666';

function job(spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): Job {
  return Job.fromPartial({
    metadata: { name: 'pi', namespace: 'default', uid: UID },
    spec: { template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'busybox' }] } }, ...spec },
  } as Parameters<typeof Job.fromPartial>[0]);
}

/** As the registry creates one: prepareForCreate, then defaults. */
function created(spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): Job {
  const j = job(spec, labels);
  prepareJobForCreate(j);
  defaultJob(j);
  return j;
}

const lines = (j: Job) => validateJob(j).map((c) => `${c.field}: ${c.message}`);

describe('Job defaults and generated selector (SetDefaults_Job, generateSelector)', () => {
  it('defaults completions and parallelism to 1, backoffLimit 6, NonIndexed, not suspended, TerminatingOrFailed', () => {
    const s = created().spec!;
    assert.deepEqual(
      [s.completions, s.parallelism, s.backoffLimit, s.completionMode, s.suspend, s.manualSelector, s.podReplacementPolicy],
      [1, 1, 6, 'NonIndexed', false, false, 'TerminatingOrFailed'],
    );
    const workQueue = created({ parallelism: 3 }).spec!;
    assert.equal(workQueue.completions, undefined);
    assert.equal(workQueue.parallelism, 3);
    assert.equal(created({ backoffLimitPerIndex: 1, completionMode: 'Indexed', completions: 2 }).spec!.backoffLimit, 2147483647);
    assert.equal(created({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }).spec!.podReplacementPolicy, 'Failed');
  });

  it('selects the uid and labels the template with the job name and uid, old and new keys', () => {
    const j = created({}, { app: 'pi' });
    assert.deepEqual(j.spec!.selector!.matchLabels, { 'batch.kubernetes.io/controller-uid': UID });
    assert.deepEqual(j.spec!.template!.metadata!.labels, {
      app: 'pi',
      'job-name': 'pi',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': UID,
      'batch.kubernetes.io/controller-uid': UID,
    });
    // A Job without labels takes its template's, the generated ones included.
    assert.equal(j.metadata!.labels['batch.kubernetes.io/controller-uid'], UID);
    assert.deepEqual(lines(j), []);
  });

  it('leaves a manual selector alone', () => {
    const j = created({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } }, { app: 'pi' });
    assert.deepEqual(j.spec!.selector!.matchLabels, { app: 'pi' });
    assert.deepEqual(j.spec!.template!.metadata!.labels, { app: 'pi' });
    assert.deepEqual(lines(j), []);
  });
});

describe('Job validation (ValidateJob)', () => {
  it('allows only OnFailure and Never as restartPolicy', () => {
    const j = created();
    j.spec!.template!.spec!.restartPolicy = 'Always';
    assert.deepEqual(lines(j), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  });

  it('refuses negative counts, an Indexed Job without completions and unknown modes', () => {
    assert.deepEqual(lines(created({ parallelism: -1, backoffLimit: -2, activeDeadlineSeconds: -3 })), [
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: -3: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
    ]);
    assert.deepEqual(lines(created({ completionMode: 'Indexed', parallelism: 2 })), ['spec.completions: Required value: when completion mode is Indexed']);
    assert.deepEqual(lines(created({ completionMode: 'Random' })), ['spec.completionMode: Unsupported value: "Random": supported values: "NonIndexed", "Indexed"']);
  });

  it('requires a manual selector to match the template, and a generated one to be the uid', () => {
    const manual = created({ manualSelector: true, selector: { matchLabels: { app: 'other' } } }, { app: 'pi' });
    assert.deepEqual(lines(manual), ['spec.template.metadata.labels: Invalid value: {"app":"pi"}: `selector` does not match template `labels`']);
    const forged = created({ selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'someone-else' } } });
    assert.match(lines(forged)[0], /^spec\.selector: Invalid value: .*: `selector` not auto-generated$/);
  });

  it('checks podFailurePolicy rules and requires restartPolicy Never with one', () => {
    const j = created({ podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 42] } }, { action: 'Boom', onPodConditions: [{ type: 'DisruptionTarget' }] }] } });
    j.spec!.template!.spec!.restartPolicy = 'OnFailure';
    assert.deepEqual(lines(j), [
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[1].action: Unsupported value: "Boom": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ]);
  });
});

describe('Job successPolicy and managedBy validation', () => {
  const indexed = (extra: Record<string, unknown>) => created({ completionMode: 'Indexed', completions: 5, ...extra });

  it('requires Indexed, rules, and succeededIndexes/succeededCount that fit the completions', () => {
    assert.deepEqual(lines(created({ successPolicy: { rules: [{ succeededCount: 1 }] } })), ['spec.completionMode: Invalid value: "NonIndexed": requires indexed completion mode']);
    assert.deepEqual(lines(indexed({ successPolicy: { rules: [] } })), ['spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified']);
    assert.deepEqual(lines(indexed({ successPolicy: { rules: [{}] } })), ['spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified']);
    assert.deepEqual(lines(indexed({ successPolicy: { rules: [{ succeededIndexes: '0-2,4', succeededCount: 3 }, { succeededCount: 5 }] } })), []);
    assert.deepEqual(lines(indexed({ successPolicy: { rules: [{ succeededIndexes: '3-1' }, { succeededIndexes: '7' }, { succeededIndexes: '0,x' }] } })), [
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "3-1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
      'spec.successPolicy.rules[1].succeededIndexes: Invalid value: "7": error parsing succeededIndexes: too large index: "7"',
      'spec.successPolicy.rules[2].succeededIndexes: Invalid value: "0,x": error parsing succeededIndexes: cannot convert string to integer for index: "x"',
    ]);
    assert.deepEqual(lines(indexed({ successPolicy: { rules: [{ succeededIndexes: '1-2', succeededCount: 3 }, { succeededCount: 6 }] } })), [
      'spec.successPolicy.rules[0].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
      'spec.successPolicy.rules[1].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
    ]);
  });

  it('requires managedBy to be a domain-prefixed path of at most 63 characters, and keeps it immutable', () => {
    assert.deepEqual(lines(created({ managedBy: 'kubernetes.io/job-controller' })), []);
    assert.deepEqual(lines(created({ managedBy: 'example.com/my-queue' })), []);
    assert.deepEqual(lines(created({ managedBy: 'my-queue' })), ['spec.managedBy: Invalid value: "my-queue": must be a domain-prefixed path (such as "acme.io/foo")']);
    assert.deepEqual(lines(created({ managedBy: `example.com/${'a'.repeat(60)}` })), ['spec.managedBy: Too long: may not be more than 63 bytes']);
    const old = created({ managedBy: 'example.com/a' });
    const next = structuredClone(old);
    next.spec!.managedBy = 'example.com/b';
    assert.deepEqual(validateJobUpdate(next, old).map((c) => `${c.field}: ${c.message}`), ['spec.managedBy: Invalid value: "example.com/b": field is immutable']);
  });
});

describe('Job update validation (ValidateJobUpdate)', () => {
  const update = (old: Job, edit: (j: Job) => void) => {
    const j = Job.fromPartial(structuredClone(old));
    edit(j);
    return validateJobUpdate(j, old).map((c) => `${c.field}: ${c.message}`);
  };

  it('keeps completions, selector, completionMode and the template immutable; parallelism and suspend change', () => {
    const old = created({ completions: 3, parallelism: 1 });
    assert.deepEqual(update(old, (j) => { j.spec!.parallelism = 3; j.spec!.suspend = true; }), []);
    assert.deepEqual(update(old, (j) => (j.spec!.completions = 4)), ['spec.completions: Invalid value: 4: field is immutable']);
    assert.deepEqual(update(old, (j) => (j.spec!.completionMode = 'Indexed')), ['spec.completionMode: Invalid value: "Indexed": field is immutable']);
    assert.match(update(old, (j) => (j.spec!.template!.spec!.containers[0].image = 'perl')).join(), /^spec\.template: Invalid value: .*: field is immutable$/);
    assert.ok(update(old, (j) => (j.spec!.selector!.matchLabels.extra = 'x')).some((l) => /^spec\.selector: Invalid value: .*: field is immutable$/.test(l)));
  });

  it('lets an Indexed Job scale completions only in tandem with parallelism', () => {
    const old = created({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    assert.deepEqual(update(old, (j) => { j.spec!.completions = 5; j.spec!.parallelism = 5; }), []);
    assert.deepEqual(update(old, (j) => (j.spec!.completions = 5)), ['spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism']);
  });

  it('lets a suspended Job that never started change its pods scheduling directives only', () => {
    const old = created({ suspend: true });
    assert.deepEqual(update(old, (j) => (j.spec!.template!.spec!.nodeSelector = { zone: 'a' })), []);
    const started = Job.fromPartial(structuredClone(old));
    started.status!.startTime = '2026-12-05T00:00:00Z';
    assert.equal(update(started, (j) => (j.spec!.template!.spec!.nodeSelector = { zone: 'a' })).length, 1);
  });
});

describe('Job and CronJob printer columns (kubectl printJob, printCronJob)', () => {
  const now = Date.parse('2026-12-05T01:00:00Z');
  const row = (kind: string, o: unknown, wide = false) => {
    const cols = columnsFor(kind);
    return wide ? [...cols.headers, ...cols.wideHeaders].join(' ') + ' | ' + [...cols.cells(o, now), ...cols.wideCells(o, now)].join(' | ') : cols.cells(o, now).join(' | ');
  };

  it('prints STATUS COMPLETIONS DURATION AGE, and CONTAINERS IMAGES SELECTOR wide', () => {
    const j = created({ completions: 3 });
    j.metadata!.creationTimestamp = '2026-12-05T00:55:00Z';
    assert.equal(row('Job', j), 'Running | 0/3 |  | 5m');
    j.status = { ...j.status!, startTime: '2026-12-05T00:55:00Z', completionTime: '2026-12-05T00:55:42Z', succeeded: 3, conditions: [{ type: 'SuccessCriteriaMet', status: 'True', reason: '', message: '', lastProbeTime: '', lastTransitionTime: '' }, { type: 'Complete', status: 'True', reason: '', message: '', lastProbeTime: '', lastTransitionTime: '' }] };
    assert.equal(row('Job', j, true), `STATUS COMPLETIONS DURATION AGE CONTAINERS IMAGES SELECTOR | Complete | 3/3 | 42s | 5m | pi | busybox | batch.kubernetes.io/controller-uid=${UID}`);
    const queue = created({ parallelism: 4 });
    queue.status!.conditions.push({ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: '', lastProbeTime: '', lastTransitionTime: '' });
    assert.equal(row('Job', queue).split(' | ').slice(0, 2).join(' | '), 'Suspended | 0/1 of 4');
  });

  it('prints SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE', () => {
    const cj = CronJob.fromPartial({
      metadata: { name: 'tick', creationTimestamp: '2026-12-04T01:00:00Z' },
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
      status: { active: [{ name: 'tick-1' }], lastScheduleTime: '2026-12-05T00:59:00Z' },
    });
    assert.equal(row('CronJob', cj), '*/5 * * * * | <none> | False | 1 | 60s | 24h');
    assert.deepEqual(columnsFor('CronJob').wideCells(cj, now), ['c', 'busybox', '<none>']);
  });
});
