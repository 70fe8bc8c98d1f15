// The server side of a SPDY/3.1 session, as much of it as kubectl's port-forward uses (Kubernetes'
// k8s.io/apimachinery/pkg/util/httpstream/spdy on moby/spdystream): the client opens streams
// (SYN_STREAM, headers zlib-compressed with SPDY/3's dictionary), each answered at once with an
// empty SYN_REPLY; DATA frames carry bytes, FLAG_FIN half-closes a side, RST_STREAM resets a
// stream, PING is echoed, GOAWAY ends the session. Like spdystream (kubectl's and the kubelet's
// side in Kubernetes), it keeps no flow-control windows: SETTINGS and WINDOW_UPDATE are read and
// ignored, and none are sent. npm's spdy-transport implements the framing but enforces SPDY/3.1's
// windows, which spdystream never opens, so a reply past 64 KiB would stall; hence this file.
// Headers sent are written as stored (uncompressed) deflate blocks in one zlib stream, which
// every inflater reads; headers received are inflated by one zlib stream per session, in order.
import { constants, createInflate, type Inflate } from 'node:zlib';
import { SPDY_DICTIONARY } from './port-forward-spdy-dictionary';

export const FRAME = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
export const FLAG_FIN = 0x01;
const VERSION = 3;
const HEADER_BYTES = 8;
const MAX_PAYLOAD = 0xffffff;
/** RST_STREAM status codes used here. */
export const RST = { protocolError: 1, cancel: 5 } as const;

/** A control frame: the control bit, version 3, the type, flags and the payload's 24-bit length. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** DATA frames for a stream (split at SPDY's 24-bit length); an empty one when only FIN is sent. */
export function dataFrames(streamId: number, data: Buffer, fin: boolean): Buffer[] {
  const frames: Buffer[] = [];
  let offset = 0;
  do {
    const chunk = data.subarray(offset, offset + MAX_PAYLOAD);
    offset += chunk.length;
    const head = Buffer.alloc(HEADER_BYTES);
    head.writeUInt32BE(streamId & 0x7fffffff, 0);
    head.writeUInt32BE((((fin && offset >= data.length) ? FLAG_FIN : 0) << 24) | chunk.length, 4);
    frames.push(Buffer.concat([head, chunk]));
  } while (offset < data.length);
  return frames;
}

/** SPDY/3's header block, uncompressed: a count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: ReadonlyArray<[string, string]>): Buffer {
  const parts: Buffer[] = [u32(headers.length)];
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Reads a header block; names lowercased, a value's NUL-separated parts kept as one string. */
export function decodeHeaderBlock(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  let at = 0;
  const take = () => {
    if (at + 4 > block.length) throw new Error('truncated SPDY header block');
    const len = block.readUInt32BE(at);
    if (at + 4 + len > block.length) throw new Error('truncated SPDY header block');
    const s = block.toString('utf8', at + 4, at + 4 + len);
    at += 4 + len;
    return s;
  };
  if (block.length < 4) throw new Error('truncated SPDY header block');
  const count = block.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    headers.set(name, take());
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/**
 * The session's outgoing header compression: one zlib stream in which each header block is a
 * stored (uncompressed) deflate block followed by an empty one, the marker zlib's Z_SYNC_FLUSH
 * writes, which tells an inflater (Go's flate) the block's bytes are complete.
 */
export class HeaderCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    if (block.length > 0xffff) throw new Error('SPDY header block too large');
    const stored = Buffer.alloc(5);
    stored.writeUInt16LE(block.length, 1);
    stored.writeUInt16LE(~block.length & 0xffff, 3);
    const parts = [stored, block, SYNC_FLUSH];
    // The zlib header once, at the start of the stream: deflate, 32 KiB window (SPDY's dictionary is not needed to read stored blocks).
    if (!this.started) parts.unshift(Buffer.of(0x78, 0x01));
    this.started = true;
    return Buffer.concat(parts);
  }
}

/** An empty stored block, not final: zlib's sync-flush marker. */
const SYNC_FLUSH = Buffer.of(0x00, 0x00, 0x00, 0xff, 0xff);

/** The session's incoming header decompression: one zlib stream with SPDY's dictionary, one block at a time. */
export class HeaderDecompressor {
  private readonly z: Inflate = createInflate({ dictionary: SPDY_DICTIONARY });
  private failure: Error | undefined;

  constructor() {
    this.z.on('error', (err: Error) => (this.failure = err));
  }

  decompress(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.z.write(block);
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        if (this.failure) return reject(this.failure);
        const out: Buffer[] = [];
        for (let c: Buffer | null; (c = this.z.read() as Buffer | null) !== null; ) out.push(c);
        resolve(Buffer.concat(out));
      });
    });
  }

  close(): void {
    this.z.destroy();
  }
}

/** Where the session's bytes go: a socket after an HTTP upgrade, or WebSocket messages (the tunnel). */
export interface SpdyTransport {
  /** `sent` runs once the bytes left (or the transport closed). */
  send(data: Buffer, sent: () => void): void;
  /** Bytes waiting to go out. */
  buffered(): number;
  /** Stops (and starts again) reading the client: SPDY has no per-stream windows here, so a slow pod holds the session. */
  pause(): void;
  resume(): void;
  close(): void;
}

export interface SpdyStreamEvents {
  data(chunk: Buffer): void;
  /** The client half-closed its side (FLAG_FIN). */
  end(): void;
  /** RST_STREAM from the client, or the session ended. */
  reset(): void;
}

/** One stream the client opened. */
export class SpdyStream {
  private localClosed = false;
  private remoteClosed = false;
  private wasReset = false;
  readonly handlers: Partial<SpdyStreamEvents> = {};

  constructor(
    readonly id: number,
    readonly headers: ReadonlyMap<string, string>,
    private readonly session: SpdySession,
  ) {}

  on<E extends keyof SpdyStreamEvents>(event: E, fn: SpdyStreamEvents[E]): this {
    this.handlers[event] = fn;
    return this;
  }

  write(data: Buffer, sent: () => void = () => undefined): void {
    if (this.localClosed || this.wasReset || data.length === 0) return sent();
    this.session.sendFrames(dataFrames(this.id, data, false), sent);
  }

  /** Half-closes the server's side (an empty DATA frame with FLAG_FIN). */
  end(): void {
    if (this.localClosed || this.wasReset) return;
    this.localClosed = true;
    this.session.sendFrames(dataFrames(this.id, Buffer.alloc(0), true));
    this.session.settle(this);
  }

  reset(status: number = RST.cancel): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.session.sendFrames([controlFrame(FRAME.rstStream, 0, Buffer.concat([u32(this.id & 0x7fffffff), u32(status)]))]);
    this.session.forget(this);
  }

  get done(): boolean {
    return this.wasReset || (this.localClosed && this.remoteClosed);
  }

  /** @internal the session's dispatch. */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteClosed || this.wasReset) return;
    if (data.length) this.handlers.data?.(data);
    if (fin) {
      this.remoteClosed = true;
      this.handlers.end?.();
      this.session.settle(this);
    }
  }

  /** @internal reset by the client or by the session's end. */
  receiveReset(): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.handlers.reset?.();
  }
}

/** A server-side SPDY/3.1 session over `transport`: feed it the client's bytes; `onStream` gets each stream opened. */
export class SpdySession {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private pending: Buffer = Buffer.alloc(0);
  /** Frames are handled one at a time, in order (a SYN_STREAM's headers inflate asynchronously). */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private lastStreamId = 0;

  constructor(
    private readonly transport: SpdyTransport,
    private readonly onStream: (stream: SpdyStream) => void,
    private readonly onClose: () => void = () => undefined,
  ) {}

  /** The client's bytes, as they arrive (frames may span or share chunks). */
  feed(chunk: Buffer): void {
    if (this.closed) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= HEADER_BYTES) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < HEADER_BYTES + length) break;
      const frame = this.pending.subarray(0, HEADER_BYTES + length);
      this.pending = this.pending.subarray(HEADER_BYTES + length);
      this.queue = this.queue.then(() => this.handle(frame)).catch(() => this.close());
    }
  }

  /** Ends the session: every open stream is reset (its handlers see `reset`), the transport closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.receiveReset();
    this.streams.clear();
    this.decompressor.close();
    this.transport.close();
    this.onClose();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal */
  sendFrames(frames: Buffer[], sent: () => void = () => undefined): void {
    if (this.closed) return sent();
    this.transport.send(frames.length === 1 ? frames[0] : Buffer.concat(frames), sent);
  }

  /** @internal a stream closed on both sides is forgotten. */
  settle(stream: SpdyStream): void {
    if (stream.done) this.streams.delete(stream.id);
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id);
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const flags = frame[4];
    const payload = frame.subarray(HEADER_BYTES);
    if ((frame[0] & 0x80) === 0) {
      this.streams.get(frame.readUInt32BE(0) & 0x7fffffff)?.receive(payload, (flags & FLAG_FIN) !== 0);
      return;
    }
    const type = frame.readUInt16BE(2);
    switch (type) {
      case FRAME.synStream:
        return this.synStream(payload, flags);
      case FRAME.rstStream: {
        const stream = this.streams.get(payload.readUInt32BE(0) & 0x7fffffff);
        if (stream) {
          this.streams.delete(stream.id);
          stream.receiveReset();
        }
        return;
      }
      case FRAME.ping:
        // The client's PING (odd id) comes back as it is.
        this.sendFrames([controlFrame(FRAME.ping, 0, Buffer.from(payload))]);
        return;
      case FRAME.goAway:
        this.close();
        return;
      case FRAME.headers:
        // Headers after SYN_STREAM share the zlib stream: inflate them to keep it in step.
        await this.decompressor.decompress(payload.subarray(4));
        return;
      default:
        // SYN_REPLY (the client opens streams, the server does not), SETTINGS and WINDOW_UPDATE: no windows are kept.
        return;
    }
  }

  private async synStream(payload: Buffer, flags: number): Promise<void> {
    const id = payload.readUInt32BE(0) & 0x7fffffff;
    const headers = decodeHeaderBlock(await this.decompressor.decompress(payload.subarray(10)));
    if (this.closed) return;
    if (id <= this.lastStreamId || id % 2 === 0) {
      // A stream id must be new and odd (the client's): refuse it as spdystream does.
      this.sendFrames([controlFrame(FRAME.rstStream, 0, Buffer.concat([u32(id), u32(RST.protocolError)]))]);
      return;
    }
    this.lastStreamId = id;
    const stream = new SpdyStream(id, headers, this);
    this.streams.set(id, stream);
    this.sendFrames([controlFrame(FRAME.synReply, 0, Buffer.concat([u32(id), this.compressor.compress(encodeHeaderBlock([]))]))]);
    this.onStream(stream);
    if (flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
  }
}
