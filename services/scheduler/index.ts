// The scheduler core's public surface, for main.ts and out-of-tree plugins.
export type { EventType, SchedulerBackend } from './backend';
export { SchedulerCache } from './cache/scheduler-cache';
export { FitError, fitErrorMessage, NoNodesAvailableError } from './fit-error';
export { CycleState } from './framework/cycle-state';
export { Framework } from './framework/framework';
export * from './framework/interfaces';
export { NodeInfo } from './framework/node-info';
export { PodInfo, podKey } from './framework/pod-info';
export type { PluginConfig, Profile } from './framework/profile';
export { Registry } from './framework/registry';
export { Code, Status } from './framework/status';
export { numFeasibleNodesToFind } from './num-feasible-nodes';
export { DEFAULT_SCHEDULER_NAME, defaultProfile, inTreeRegistry, pluginNames } from './plugins';
export { type ClusterEvent, SchedulingQueue, type SchedulingQueueOptions } from './queue/scheduling-queue';
export { POD_SCHEDULED, Scheduler, type SchedulerOptions } from './scheduler';
