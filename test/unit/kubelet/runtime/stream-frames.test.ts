import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { logLines } from '../../../../services/kubelet/runtime/log-lines';
import { FrameDecoder, LineSplitter } from '../../../../services/kubelet/runtime/stream-frames';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Cuts a buffer at the given offsets. */
function cut(buf: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    parts.push(buf.subarray(start, p));
    start = p;
  }
  parts.push(buf.subarray(start));
  return parts;
}

describe('kubelet/runtime stream frames', () => {
  it('decodes frames however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(1, 2), fc.string({ maxLength: 40 })), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, offsets) => {
          const bytes = Buffer.concat(frames.map(([s, t]) => frame(s, t)));
          const decoder = new FrameDecoder();
          const out = cut(bytes, offsets).flatMap((chunk) => decoder.push(chunk));
          assert.deepEqual(
            out.map((f) => [f.stream === 'stdout' ? 1 : 2, f.payload.toString()]),
            frames,
          );
          assert.equal(decoder.leftover, 0);
        },
      ),
    );
  });

  it('splits lines across chunks, including multi-byte characters cut in half', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('héllo\nwörld\nlast');
    const lines = cut(bytes, [2, 3, 9]).flatMap((c) => splitter.push(c));
    assert.deepEqual(lines, ['héllo', 'wörld']);
    assert.equal(splitter.flush(), 'last');
    assert.equal(splitter.flush(), undefined);
  });

  it('tags log lines with their stream and splits off timestamps', async () => {
    const source = Readable.from([Buffer.concat([frame(1, '2024-01-01T00:00:00.123456789Z out one\n'), frame(2, '2024-01-01T00:00:01Z err\n')])]);
    const lines = [];
    for await (const l of logLines(source, true, true)) lines.push(l);
    assert.deepEqual(lines, [
      { stream: 'stdout', line: 'out one', timestamp: '2024-01-01T00:00:00.123456789Z' },
      { stream: 'stderr', line: 'err', timestamp: '2024-01-01T00:00:01Z' },
    ]);
  });

  it('reads a tty container log as one raw stdout stream', async () => {
    const lines = [];
    for await (const l of logLines(Readable.from([Buffer.from('a\r\nb')]), false, false)) lines.push(l);
    assert.deepEqual(lines, [{ stream: 'stdout', line: 'a\r' }, { stream: 'stdout', line: 'b' }]);
  });
});
