// Turns the engine's log stream into lines tagged with their stream (and timestamp when Docker
// was asked to prefix them), for `kitectl logs`.
import type { Readable } from 'node:stream';
import { FrameDecoder, LineSplitter, type StreamName } from './stream-frames';
import type { LogLine } from './types';

function toLogLine(stream: 'stdout' | 'stderr', raw: string, timestamps: boolean): LogLine {
  if (!timestamps) return { stream, line: raw };
  const space = raw.indexOf(' ');
  if (space < 0) return { stream, line: '', timestamp: raw };
  return { stream, line: raw.slice(space + 1), timestamp: raw.slice(0, space) };
}

/**
 * Lines of a Docker log stream. `multiplexed` is false for tty containers, whose output is one
 * raw stream. Ends when the source ends; destroys the source if the consumer stops early.
 */
export async function* logLines(source: Readable, multiplexed: boolean, timestamps: boolean): AsyncGenerator<LogLine> {
  const decoder = new FrameDecoder();
  const splitters: Record<'stdout' | 'stderr', LineSplitter> = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  const target = (s: StreamName): 'stdout' | 'stderr' => (s === 'stderr' ? 'stderr' : 'stdout');
  try {
    for await (const chunk of source) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      const frames = multiplexed ? decoder.push(buf) : [{ stream: 'stdout' as const, payload: buf }];
      for (const frame of frames) {
        const stream = target(frame.stream);
        for (const raw of splitters[stream].push(frame.payload)) yield toLogLine(stream, raw, timestamps);
      }
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = splitters[stream].flush();
      if (rest !== undefined) yield toLogLine(stream, rest, timestamps);
    }
  } finally {
    source.destroy();
  }
}
