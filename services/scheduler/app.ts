// Runs the scheduler against an apiserver: informers on pods and nodes feed the core, those on
// PersistentVolumeClaims, PersistentVolumes and StorageClasses the VolumeBinding plugin, those on
// namespaces, Services, ReplicaSets and StatefulSets InterPodAffinity and PodTopologySpread, the one
// on PodDisruptionBudgets preemption; the backend writes bindings, conditions, nominations,
// preemptions and events. Used by main.ts and by integration tests.
import { setMaxListeners } from 'node:events';
import { Namespaces, Nodes, PersistentVolumeClaims, PersistentVolumes, PodDisruptionBudgets, Pods, ReplicaSets, Services, StatefulSets, StorageClasses } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import { InformerFactory } from '../../lib/informer';
import { logger } from '../../lib/log';
import type { EventRecorder } from '../../lib/events';
import { ApiSchedulerBackend } from './api-backend';
import type { VolumeHandle } from './framework/volume-handle';
import type { SchedulerListers } from './framework/listers';
import { defaultProfile, DEFAULT_SCHEDULER_NAME } from './plugins';
import { Scheduler } from './scheduler';

export interface SchedulerAppOptions {
  schedulerName: string;
  /** 0: Kubernetes' adaptive percentage. */
  percentageOfNodesToScore: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxUnschedulableMs: number;
}

export const DEFAULT_SCHEDULER_APP_OPTIONS: SchedulerAppOptions = {
  schedulerName: DEFAULT_SCHEDULER_NAME,
  percentageOfNodesToScore: 0,
  initialBackoffMs: 1000,
  maxBackoffMs: 10_000,
  maxUnschedulableMs: 60_000,
};

/** Schedules until the signal aborts. */
export async function runScheduler(client: Clientset, events: EventRecorder, signal: AbortSignal, partial: Partial<SchedulerAppOptions> = {}): Promise<void> {
  const opts = { ...DEFAULT_SCHEDULER_APP_OPTIONS, ...partial };
  const log = logger('scheduler');
  const factory = new InformerFactory((kind, scope) => client.resource(kind).listerWatcher(scope));
  const claims = factory.forKind(PersistentVolumeClaims);
  const pvs = factory.forKind(PersistentVolumes);
  const classes = factory.forKind(StorageClasses);
  const volumes: VolumeHandle = {
    getClaim: (namespace, name) => claims.indexer.get(`${namespace}/${name}`),
    getVolume: (name) => pvs.indexer.get(name),
    listVolumes: () => pvs.indexer.list(),
    getStorageClass: (name) => classes.indexer.get(name),
    updateVolume: (pv) => client.persistentVolumes.update(pv),
    updateClaim: (pvc) => client.persistentVolumeClaims.update(pvc),
  };
  const namespaces = factory.forKind(Namespaces).lister();
  const services = factory.forKind(Services).lister();
  const replicaSets = factory.forKind(ReplicaSets).lister();
  const statefulSets = factory.forKind(StatefulSets).lister();
  const listers: SchedulerListers = {
    getNamespace: (name) => namespaces.get(name),
    listNamespaces: () => namespaces.list(),
    listServices: (namespace) => services.namespace(namespace).list(),
    getReplicaSet: (namespace, name) => replicaSets.namespace(namespace).get(name),
    getStatefulSet: (namespace, name) => statefulSets.namespace(namespace).get(name),
  };
  const budgets = factory.forKind(PodDisruptionBudgets).lister();
  const sched = new Scheduler({
    backend: new ApiSchedulerBackend(client, events),
    profile: { ...defaultProfile(opts.schedulerName), percentageOfNodesToScore: opts.percentageOfNodesToScore },
    queue: { initialBackoffMs: opts.initialBackoffMs, maxBackoffMs: opts.maxBackoffMs, maxUnschedulableMs: opts.maxUnschedulableMs },
    volumes,
    listers,
    podDisruptionBudgets: () => budgets.list(),
  });
  // Finished pods hold no resources; everything else (pending and assigned) is needed.
  factory.forKind(Pods, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }).addEventHandler({
    onAdd: (p) => sched.addPod(p),
    onUpdate: (o, n) => sched.updatePod(o, n),
    onDelete: (p) => sched.deletePod(p),
  });
  factory.forKind(Nodes).addEventHandler({
    onAdd: (n) => sched.addNode(n),
    onUpdate: (o, n) => sched.updateNode(o, n),
    onDelete: (n) => sched.deleteNode(n),
  });
  claims.addEventHandler({ onAdd: () => sched.volumeObjectChanged('PvcChange'), onUpdate: () => sched.volumeObjectChanged('PvcChange') });
  pvs.addEventHandler({ onAdd: () => sched.volumeObjectChanged('PvChange'), onUpdate: () => sched.volumeObjectChanged('PvChange') });
  classes.addEventHandler({ onAdd: () => sched.volumeObjectChanged('StorageClassChange'), onUpdate: () => sched.volumeObjectChanged('StorageClassChange') });
  // The informers listen on a signal of their own: ten of them on the caller's would pass Node's
  // limit of 10 listeners per signal with the caller's own (MaxListenersExceededWarning).
  const informers = new AbortController();
  setMaxListeners(0, informers.signal);
  if (signal.aborted) informers.abort();
  signal.addEventListener('abort', () => informers.abort(), { once: true });
  factory.start(informers.signal);
  if (!(await factory.waitForCacheSync(signal))) return;
  log.info('caches synced; scheduling');
  const done = sched.run();
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  sched.stop();
  await done;
  await factory.stopped();
}
