// Events: the recorder every component uses to publish events about objects, deduplicated and
// rate-limited like client-go's.
export { ApiEventRecorder, type EventRecorder, type EventType, type EventWriter, type RecorderOptions } from './recorder';
export { EventCorrelator, type CorrelationResult, type CorrelatorOptions } from './correlator';
