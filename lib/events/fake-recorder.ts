// A recorder for tests (client-go's record.FakeRecorder): keeps "<type> <reason> <message>"
// lines, optionally with the object, instead of writing to an apiserver.
import { objectKey, type KubeObject } from '../api/kinds';
import type { EventRecorder, EventType } from './recorder';

export interface RecordedEvent {
  object: string;
  kind: string;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeEventRecorder implements EventRecorder {
  readonly recorded: RecordedEvent[] = [];

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.recorded.push({ object: objectKey(obj), kind: obj.kind, type, reason, message });
  }

  /** "<type> <reason> <message>" lines, in order. */
  lines(): string[] {
    return this.recorded.map((e) => `${e.type} ${e.reason} ${e.message}`);
  }

  clear(): void {
    this.recorded.length = 0;
  }
}
