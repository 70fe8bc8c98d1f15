// The TTL-after-finished controller (Kubernetes' pkg/controller/ttlafterfinished): deletes a
// finished Job (Complete or Failed) once spec.ttlSecondsAfterFinished has passed since it
// finished, with foreground propagation so its pods go first, after checking the Job afresh
// from the API (its TTL may have changed). Jobs not yet due are looked at again when they are.
import { isNotFound } from '../../../lib/api/errors';
import { Jobs, objectKey } from '../../../lib/api/kinds';
import type { Job } from '../../../lib/gen/kite/batch/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import type { ReconcileResult } from '../../../lib/workqueue';
import { QueueController, type ControllerContext } from '../controller';

export interface TTLAfterFinishedOptions {
  /** Concurrent syncs (--concurrent-ttl-after-finished-syncs). */
  workers: number;
}

export const DEFAULT_TTL_AFTER_FINISHED_OPTIONS: TTLAfterFinishedOptions = { workers: 5 };

/** When the Job finished (its Complete or Failed condition's transition), undefined while it runs. */
export function jobFinishTime(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** Milliseconds until the Job is due for deletion (<= 0: now), undefined when it never is. */
export function timeLeft(job: Job, now: number): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || job.metadata?.deletionTimestamp) return undefined;
  const finished = jobFinishTime(job);
  if (finished === undefined) return undefined;
  return finished + ttl * 1000 - now;
}

export class TTLAfterFinishedController extends QueueController<TTLAfterFinishedOptions> {
  readonly name = 'ttl-after-finished';
  private readonly jobInformer: SharedInformer<Job>;
  private readonly jobLister: Lister<Job>;

  constructor(ctx: ControllerContext, opts: Partial<TTLAfterFinishedOptions> = {}) {
    super(ctx, 'ttl-after-finished-controller', DEFAULT_TTL_AFTER_FINISHED_OPTIONS, opts);
    this.jobInformer = ctx.informers.forKind(Jobs);
    this.jobLister = this.jobInformer.lister();
    const enqueue = (j: Job) => {
      if (timeLeft(j, 0) !== undefined) this.queue.add(objectKey(j));
    };
    this.jobInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, j) => enqueue(j) });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.jobInformer];
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.jobLister.get(key);
    if (!cached) return;
    const left = timeLeft(cached, this.ctx.now());
    if (left === undefined) return;
    if (left > 0) return { requeueAfter: left };
    // The cache may be stale: check the Job as the API has it now before deleting.
    const client = this.ctx.client.resource(Jobs);
    let fresh: Job;
    try {
      fresh = await client.get(cached.metadata!.name, cached.metadata!.namespace);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const freshLeft = timeLeft(fresh, this.ctx.now());
    if (freshLeft === undefined) return;
    if (freshLeft > 0) return { requeueAfter: freshLeft };
    try {
      await client.delete(fresh.metadata!.name, {
        namespace: fresh.metadata!.namespace,
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata!.uid, resourceVersion: fresh.metadata!.resourceVersion },
      });
      this.log.info({ job: objectKey(fresh) }, 'deleted a finished Job past its ttlSecondsAfterFinished');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
