// The SPDY/3.1 server session kubectl's port-forward talks to: frames as spdystream writes them
// (headers deflated with SPDY's dictionary in one zlib stream, sync-flushed per block) go in; the
// replies are read back as Go's framer reads them.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { FLAG_FIN, FRAME, HeaderCompressor, SpdySession, controlFrame, dataFrames, decodeHeaderBlock, encodeHeaderBlock, type SpdyStream } from '../../../../services/apiserver/http/port-forward-spdy';
import { SPDY_DICTIONARY } from '../../../../services/apiserver/http/port-forward-spdy-dictionary';

/** zlib output for one block, flushed as Go's framer flushes after each header block. */
function flushed(z: Deflate | Inflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    z.write(block);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      const out: Buffer[] = [];
      for (let c: Buffer | null; (c = z.read() as Buffer | null) !== null; ) out.push(c);
      resolve(Buffer.concat(out));
    });
  });
}

interface Frame {
  control: boolean;
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

function parseFrames(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at + 4) & 0xffffff;
    const control = (bytes[at] & 0x80) !== 0;
    const payload = bytes.subarray(at + 8, at + 8 + length);
    frames.push({
      control,
      type: control ? bytes.readUInt16BE(at + 2) : 0,
      flags: bytes[at + 4],
      streamId: control ? (length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0) : bytes.readUInt32BE(at) & 0x7fffffff,
      payload,
    });
    at += 8 + length;
  }
  return frames;
}

/** A client that writes as kubectl (spdystream) does, and a session under test. */
function pair() {
  const sent: Buffer[] = [];
  let closed = false;
  const streams: SpdyStream[] = [];
  const transport = { send: (d: Buffer, done: () => void) => (sent.push(d), done()), buffered: () => 0, pause: () => undefined, resume: () => undefined, close: () => (closed = true) };
  const session = new SpdySession(transport, (s) => streams.push(s));
  const deflate = createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  const synStream = async (id: number, headers: Array<[string, string]>, flags = 0) => {
    const block = await flushed(deflate, encodeHeaderBlock(headers));
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    return controlFrame(FRAME.synStream, flags, Buffer.concat([head, block]));
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { session, sent, streams, synStream, settle, isClosed: () => closed };
}

describe('SPDY/3.1 session (port-forward)', () => {
  it('holds the SPDY/3 dictionary, known to zlib by its Adler-32 0xe3c6a7c2', () => {
    assert.equal(SPDY_DICTIONARY.length, 1423);
    assert.equal(createHash('sha256').update(SPDY_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it('opens the streams the client asks for, answers each with a SYN_REPLY an inflater reads block by block', async () => {
    const c = pair();
    const bytes = Buffer.concat([
      await c.synStream(1, [['streamtype', 'error'], ['port', '80'], ['requestid', '0']], FLAG_FIN),
      await c.synStream(3, [['streamtype', 'data'], ['port', '80'], ['requestid', '0']]),
    ]);
    // Frames may arrive split anywhere.
    c.session.feed(bytes.subarray(0, 5));
    c.session.feed(bytes.subarray(5, 50));
    c.session.feed(bytes.subarray(50));
    await c.settle();
    assert.deepEqual(
      c.streams.map((s) => [s.id, Object.fromEntries(s.headers)]),
      [
        [1, { streamtype: 'error', port: '80', requestid: '0' }],
        [3, { streamtype: 'data', port: '80', requestid: '0' }],
      ],
    );
    const replies = parseFrames(Buffer.concat(c.sent));
    assert.deepEqual(replies.map((f) => [f.type, f.streamId]), [[FRAME.synReply, 1], [FRAME.synReply, 3]]);
    // Each reply's block ends with the sync-flush marker, so an inflater (Go's flate) hands its bytes over without reading on.
    const inflate = createInflate({ dictionary: SPDY_DICTIONARY });
    for (const r of replies) {
      assert.deepEqual([...r.payload.subarray(r.payload.length - 4)], [0x00, 0x00, 0xff, 0xff]);
      assert.deepEqual(decodeHeaderBlock(await flushed(inflate, r.payload.subarray(4))), new Map());
    }
  });

  it('carries data both ways, with FIN and RST_STREAM', async () => {
    const c = pair();
    c.session.feed(await c.synStream(1, [['streamtype', 'data']]));
    await c.settle();
    const [stream] = c.streams;
    const got: string[] = [];
    stream.on('data', (d) => got.push(d.toString())).on('end', () => got.push('<fin>')).on('reset', () => got.push('<reset>'));
    c.session.feed(Buffer.concat([...dataFrames(1, Buffer.from('GET / HTTP/1.1\r\n'), false), ...dataFrames(1, Buffer.alloc(0), true)]));
    await c.settle();
    assert.deepEqual(got, ['GET / HTTP/1.1\r\n', '<fin>']);
    c.sent.length = 0;
    stream.write(Buffer.from('HTTP/1.1 200 OK\r\n'));
    stream.end();
    const out = parseFrames(Buffer.concat(c.sent));
    assert.deepEqual(out.map((f) => [f.control, f.streamId, f.flags, f.payload.toString()]), [[false, 1, 0, 'HTTP/1.1 200 OK\r\n'], [false, 1, FLAG_FIN, '']]);
    c.session.feed(await c.synStream(3, [['streamtype', 'data']]));
    await c.settle();
    c.streams[1].on('reset', () => got.push('<reset 3>'));
    const rst = Buffer.alloc(8);
    rst.writeUInt32BE(3, 0);
    rst.writeUInt32BE(5, 4);
    c.session.feed(controlFrame(FRAME.rstStream, 0, rst));
    await c.settle();
    assert.deepEqual(got.slice(2), ['<reset 3>']);
  });

  it('echoes PING, ignores SETTINGS and WINDOW_UPDATE (no windows, as spdystream), ends on GOAWAY', async () => {
    const c = pair();
    const ping = Buffer.alloc(4);
    ping.writeUInt32BE(7, 0);
    c.session.feed(Buffer.concat([controlFrame(FRAME.settings, 0, Buffer.alloc(4)), controlFrame(FRAME.windowUpdate, 0, Buffer.alloc(8)), controlFrame(FRAME.ping, 0, ping)]));
    await c.settle();
    assert.deepEqual(parseFrames(Buffer.concat(c.sent)).map((f) => [f.type, f.payload.readUInt32BE(0)]), [[FRAME.ping, 7]]);
    c.session.feed(await c.synStream(1, [['streamtype', 'data']]));
    await c.settle();
    let reset = false;
    c.streams[0].on('reset', () => (reset = true));
    c.session.feed(controlFrame(FRAME.goAway, 0, Buffer.alloc(8)));
    await c.settle();
    assert.equal(c.isClosed(), true);
    assert.equal(reset, true);
  });

  it('writes the zlib header once, then stored blocks', () => {
    const h = new HeaderCompressor();
    const first = h.compress(encodeHeaderBlock([]));
    const second = h.compress(encodeHeaderBlock([]));
    assert.deepEqual([...first.subarray(0, 2)], [0x78, 0x01]);
    assert.deepEqual([...second], [0x00, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0xff, 0xff]);
  });
});
