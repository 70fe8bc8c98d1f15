// Records the Docker Engine's container and network events (`docker events`) with their times, so a
// benchmark can show where a container start spends its time: create, network connect, start.
import type Docker from 'dockerode';

export interface EngineEvent {
  /** container or network. */
  type: string;
  /** create, start, connect ... */
  action: string;
  /** The container the event is about (for network events, the container connected). */
  container: string;
  /** The container's labels (container events only). */
  attributes: Record<string, string>;
  /** Epoch milliseconds, the engine's clock (the same machine's as Date.now()). */
  timeMs: number;
}

interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

export class EngineEvents {
  readonly events: EngineEvent[] = [];
  private stream: NodeJS.ReadableStream | undefined;

  /** Starts recording container create/start and network connect events. */
  async start(docker: Docker): Promise<void> {
    this.stream = await docker.getEvents({ filters: { type: ['container', 'network'], event: ['create', 'start', 'connect'] } });
    let buffered = '';
    this.stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.add(JSON.parse(line) as RawEvent);
    });
    this.stream.on('error', () => undefined);
  }

  stop(): void {
    (this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
  }

  /** The first event of `action` about `container` (a container id), if seen. */
  find(container: string, type: string, action: string): EngineEvent | undefined {
    return this.events.find((e) => e.container === container && e.type === type && e.action === action);
  }

  private add(raw: RawEvent): void {
    const attributes = raw.Actor?.Attributes ?? {};
    const container = raw.Type === 'network' ? (attributes.container ?? '') : (raw.Actor?.ID ?? '');
    this.events.push({ type: raw.Type ?? '', action: raw.Action ?? '', container, attributes, timeMs: (raw.timeNano ?? 0) / 1e6 });
  }
}
