// Docker's multiplexed stream format (logs and exec of containers without a tty): frames of an
// 8-byte header (stream type, 3 zero bytes, big-endian payload length) and the payload.
// Frames arrive split across and merged within chunks, so the decoder buffers.

export type StreamName = 'stdin' | 'stdout' | 'stderr';

const HEADER = 8;
const STREAMS: Record<number, StreamName> = { 0: 'stdin', 1: 'stdout', 2: 'stderr' };

export interface Frame {
  stream: StreamName;
  payload: Buffer;
}

export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Frames completed by this chunk, in order. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.pending.length >= HEADER) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) break;
      const stream = STREAMS[this.pending[0]] ?? 'stdout';
      frames.push({ stream, payload: this.pending.subarray(HEADER, HEADER + size) });
      this.pending = this.pending.subarray(HEADER + size);
    }
    return frames;
  }

  /** Bytes of an unfinished frame left when the stream ended. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** Splits a byte stream into lines (without the newline), keeping a partial last line. */
export class LineSplitter {
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines;
  }

  /** The last line when the stream did not end with a newline. */
  flush(): string | undefined {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    return rest === '' ? undefined : rest;
  }
}
