// DNS over TCP's framing (RFC 1035 4.2.2, RFC 7766): each message is preceded by its length in
// two bytes, and one connection carries any number of messages in both directions.
import type { Socket } from 'node:net';

/** The largest DNS message: what a two-byte length can say. */
export const MAX_TCP_MESSAGE = 0xffff;

/** Calls onFrame with each whole message read from `sock`, in order. */
export function readFrames(sock: Socket, onFrame: (frame: Buffer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 2) {
      const len = buffered.readUInt16BE(0);
      if (buffered.length < 2 + len) break;
      const frame = buffered.subarray(2, 2 + len);
      buffered = buffered.subarray(2 + len);
      onFrame(frame);
    }
  });
}

/** `message` with its two-byte length in front. */
export function frame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}
