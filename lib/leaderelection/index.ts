// Lease-based leader election shared by the controller-manager and the scheduler.
export {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  defaultIdentity,
  LeaderElector,
  type LeaderCallbacks,
  type LeaderElectionConfig,
} from './leader-elector';
export { LeaseLock, type LeaderElectionRecord, type LeaseClient } from './lease-lock';
