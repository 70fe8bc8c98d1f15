// Runs a set of controllers over one apiserver connection: shared informers (each kind listed
// and watched once), one event recorder, each controller's workers. main.ts wraps it in leader
// election; tests and the cluster integration tests start it in-process.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clientset } from '../../lib/client/clientset';
import { ApiEventRecorder, type EventRecorder, type RecorderOptions } from '../../lib/events';
import { InformerFactory, type InformerFactoryOptions } from '../../lib/informer';
import { logger, type Logger } from '../../lib/log';
import type { Clock } from '../../lib/util/clock';
import type { Controller, ControllerContext } from './controller';
import { CronJobController, type CronJobControllerOptions } from './cronjob/cronjob-controller';
import { DeploymentController, type DeploymentControllerOptions } from './deployment/deployment-controller';
import { DisruptionController, type DisruptionControllerOptions } from './disruption/disruption-controller';
import { EndpointsController, type EndpointsControllerOptions } from './endpoints/endpoints-controller';
import { EndpointSliceController, type EndpointSliceControllerOptions } from './endpointslice/endpointslice-controller';
import { EndpointSliceMirroringController, type EndpointSliceMirroringControllerOptions } from './endpointslicemirroring/endpointslicemirroring-controller';
import { GarbageCollector, type GarbageCollectorOptions } from './garbagecollector/garbage-collector';
import { JobController, type JobControllerOptions } from './job/job-controller';
import { NamespaceController, type NamespaceControllerOptions } from './namespace/namespace-controller';
import { NodeIpamController, type NodeIpamOptions } from './nodeipam/node-ipam-controller';
import { NodeLifecycleController, type NodeLifecycleOptions } from './nodelifecycle/node-lifecycle-controller';
import { PodGCController, type PodGCOptions } from './podgc/pod-gc-controller';
import { ReplicaSetController, type ReplicaSetControllerOptions } from './replicaset/replicaset-controller';
import { RootCACertPublisher, type RootCACertPublisherOptions } from './rootcacertpublisher/root-ca-cert-publisher';
import { StatefulSetController, type StatefulSetControllerOptions } from './statefulset/statefulset-controller';
import { DaemonSetController, type DaemonSetControllerOptions } from './daemonset/daemonset-controller';
import { HorizontalController, type HorizontalControllerOptions } from './podautoscaler/horizontal-controller';
import { TTLAfterFinishedController, type TTLAfterFinishedOptions } from './ttlafterfinished/ttl-after-finished-controller';
import { ServiceAccountsController, type ServiceAccountsControllerOptions } from './serviceaccount/serviceaccounts-controller';
import { PersistentVolumeController, type PersistentVolumeControllerOptions } from './volume/persistentvolume/pv-controller';
import { PVCProtectionController, type PVCProtectionOptions } from './volume/pvcprotection/pvc-protection-controller';
import { PVProtectionController, type PVProtectionOptions } from './volume/pvprotection/pv-protection-controller';
import { LocalPathProvisioner, type LocalPathProvisionerOptions } from './volume/localpath/local-path-provisioner';
import { MetricsScraper, type MetricsScraperOptions } from './metrics/metrics-scraper';

/**
 * Every controller, by the name kube-controller-manager's --controllers knows it, with how to
 * build it from the shared context and its options. Adding a controller is adding a line here.
 */
const CONTROLLERS = {
  replicaset: (ctx: ControllerContext, o?: Partial<ReplicaSetControllerOptions>) => new ReplicaSetController(ctx, o),
  deployment: (ctx: ControllerContext, o?: Partial<DeploymentControllerOptions>) => new DeploymentController(ctx, o),
  job: (ctx: ControllerContext, o?: Partial<JobControllerOptions>) => new JobController(ctx, o),
  'ttl-after-finished': (ctx: ControllerContext, o?: Partial<TTLAfterFinishedOptions>) => new TTLAfterFinishedController(ctx, o),
  cronjob: (ctx: ControllerContext, o?: Partial<CronJobControllerOptions>) => new CronJobController(ctx, o),
  statefulset: (ctx: ControllerContext, o?: Partial<StatefulSetControllerOptions>) => new StatefulSetController(ctx, o),
  daemonset: (ctx: ControllerContext, o?: Partial<DaemonSetControllerOptions>) => new DaemonSetController(ctx, o),
  disruption: (ctx: ControllerContext, o?: Partial<DisruptionControllerOptions>) => new DisruptionController(ctx, o),
  horizontalpodautoscaling: (ctx: ControllerContext, o?: Partial<HorizontalControllerOptions>) => new HorizontalController(ctx, o),
  endpoint: (ctx: ControllerContext, o?: Partial<EndpointsControllerOptions>) => new EndpointsController(ctx, o),
  endpointslice: (ctx: ControllerContext, o?: Partial<EndpointSliceControllerOptions>) => new EndpointSliceController(ctx, o),
  endpointslicemirroring: (ctx: ControllerContext, o?: Partial<EndpointSliceMirroringControllerOptions>) => new EndpointSliceMirroringController(ctx, o),
  nodeipam: (ctx: ControllerContext, o?: Partial<NodeIpamOptions>) => new NodeIpamController(ctx, o),
  nodelifecycle: (ctx: ControllerContext, o?: Partial<NodeLifecycleOptions>) => new NodeLifecycleController(ctx, o),
  namespace: (ctx: ControllerContext, o?: Partial<NamespaceControllerOptions>) => new NamespaceController(ctx, o),
  garbagecollector: (ctx: ControllerContext, o?: Partial<GarbageCollectorOptions>) => new GarbageCollector(ctx, o),
  'pod-garbage-collector': (ctx: ControllerContext, o?: Partial<PodGCOptions>) => new PodGCController(ctx, o),
  serviceaccount: (ctx: ControllerContext, o?: Partial<ServiceAccountsControllerOptions>) => new ServiceAccountsController(ctx, o),
  'root-ca-cert-publisher': (ctx: ControllerContext, o?: Partial<RootCACertPublisherOptions>) => new RootCACertPublisher(ctx, o),
  'persistentvolume-binder': (ctx: ControllerContext, o?: Partial<PersistentVolumeControllerOptions>) => new PersistentVolumeController(ctx, o),
  'pvc-protection': (ctx: ControllerContext, o?: Partial<PVCProtectionOptions>) => new PVCProtectionController(ctx, o),
  'pv-protection': (ctx: ControllerContext, o?: Partial<PVProtectionOptions>) => new PVProtectionController(ctx, o),
  'local-path-provisioner': (ctx: ControllerContext, o?: Partial<LocalPathProvisionerOptions>) => new LocalPathProvisioner(ctx, o),
  'metrics-scraper': (ctx: ControllerContext, o?: Partial<MetricsScraperOptions>) => new MetricsScraper(ctx, o),
} satisfies Record<string, (ctx: ControllerContext, o?: any) => Controller>;

export type ControllerName = keyof typeof CONTROLLERS;
/** Controller names, in the order they start. */
export const CONTROLLER_NAMES = Object.keys(CONTROLLERS) as ControllerName[];

/** How long stopping waits for queued events to be written. */
const EVENT_FLUSH_MS = 5_000;

/** Other spellings accepted for a controller name. */
const ALIASES: Record<string, ControllerName> = {
  endpoints: 'endpoint',
  'endpointslice-controller': 'endpointslice',
  'job-controller': 'job',
  'ttl-after-finished-controller': 'ttl-after-finished',
  'cronjob-controller': 'cronjob',
  'disruption-controller': 'disruption',
  'horizontal-pod-autoscaler-controller': 'horizontalpodautoscaling',
  'statefulset-controller': 'statefulset',
  'daemonset-controller': 'daemonset',
  'endpointslicemirroring-controller': 'endpointslicemirroring',
  'persistentvolume-binder-controller': 'persistentvolume-binder',
  'persistentvolumeclaim-protection-controller': 'pvc-protection',
  'persistentvolume-protection-controller': 'pv-protection',
  'node-ipam': 'nodeipam', 'node-lifecycle': 'nodelifecycle', gc: 'garbagecollector', podgc: 'pod-garbage-collector' };

/** Each controller's options, under its name. */
type PerControllerOptions = { [N in ControllerName]: NonNullable<Parameters<(typeof CONTROLLERS)[N]>[1]> };

export interface ControllerManagerOptions extends PerControllerOptions {
  informers: InformerFactoryOptions;
  events: RecorderOptions;
  /** source.host of events; default the hostname. */
  host: string;
  /** Wall clock (ms since the epoch), for tests that control time. */
  now: () => number;
  /** Work-queue clock, for tests. */
  clock?: Clock;
}

export interface StartControllerManagerOptions {
  clientset: Clientset;
  /**
   * Which controllers run, as --controllers: "*" (all), a name to enable, "-name" to disable.
   * Default: all.
   */
  controllers?: string[];
  options?: Partial<ControllerManagerOptions>;
  /** Aborting stops every controller and informer. */
  signal: AbortSignal;
}

export interface ControllerManager {
  /** The running controllers by name. */
  controllers: Map<ControllerName, Controller>;
  informers: InformerFactory;
  /** Resolves true once every informer has synced (false if stopped first). */
  synced: Promise<boolean>;
  /** Resolves once everything has stopped after the signal aborted and events were flushed. */
  done: Promise<void>;
}

/** The enabled controllers for a --controllers list; throws on unknown names. */
export function resolveControllers(list: string[] = ['*']): ControllerName[] {
  const enabled = new Set<ControllerName>();
  const canonical = (name: string): ControllerName => {
    const n = (ALIASES[name] ?? name) as ControllerName;
    if (!CONTROLLER_NAMES.includes(n)) throw new Error(`unknown controller "${name}" (known: ${CONTROLLER_NAMES.join(', ')})`);
    return n;
  };
  const items = list.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (items.includes('*')) CONTROLLER_NAMES.forEach((n) => enabled.add(n));
  for (const item of items) {
    if (item === '*') continue;
    if (item.startsWith('-')) enabled.delete(canonical(item.slice(1)));
    else enabled.add(canonical(item));
  }
  return CONTROLLER_NAMES.filter((n) => enabled.has(n));
}

function build(name: ControllerName, ctx: ControllerContext, o: Partial<ControllerManagerOptions>): Controller {
  const make = CONTROLLERS[name] as (ctx: ControllerContext, o?: unknown) => Controller;
  return make(ctx, o[name]);
}

export function startControllerManager(s: StartControllerManagerOptions): ControllerManager {
  const o = s.options ?? {};
  const log = logger('controller-manager');
  const names = resolveControllers(s.controllers);
  // Every informer, queue and worker listens to this signal: more than Node's default of 10.
  setMaxListeners(0, s.signal);
  const informers = new InformerFactory((kind, scope) => s.clientset.resource(kind).listerWatcher(scope), o.informers);
  const events = new ApiEventRecorder(s.clientset.events, 'kube-controller-manager', o.host ?? hostname(), o.events);
  const recorders = new Map<string, ApiEventRecorder>();
  const ctx: ControllerContext = {
    client: s.clientset,
    informers,
    recorder(component): EventRecorder {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = events.withComponent(component, o.events)));
      return r;
    },
    now: o.now ?? Date.now,
    clock: o.clock,
    logger: (component): Logger => logger(component),
  };
  const controllers = new Map<ControllerName, Controller>(names.map((n) => [n, build(n, ctx, o)]));
  informers.start(s.signal);
  const synced = informers.waitForCacheSync(s.signal);
  log.info({ controllers: names }, 'starting controllers');
  const done = (async () => {
    const runs = [...controllers.values()].map((c) =>
      c.run(s.signal).catch((err) => log.error({ controller: c.name, err }, 'controller stopped with an error')),
    );
    await Promise.all(runs);
    await informers.stopped();
    for (const r of recorders.values()) r.close();
    // Pending events are worth a moment, not a hung shutdown when the apiserver is gone.
    await Promise.race([Promise.all([...recorders.values()].map((r) => r.flush())), delay(EVENT_FLUSH_MS, undefined, { ref: false })]);
    log.info('controllers stopped');
  })();
  return { controllers, informers, synced, done };
}
