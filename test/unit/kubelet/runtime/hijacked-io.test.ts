// The hijacked Docker connection's two ends: frames demultiplexed into stdout and stderr, and the
// connection paused while the caller has not read what came (so a slow reader holds the process,
// not the kubelet's memory), resumed once it has.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { hijackedIo } from '../../../../services/kubelet/runtime/hijacked-io';

/** Docker's frame: stream type, three zero bytes, the big-endian length, the payload. */
function frame(stream: 1 | 2, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('hijacked Docker connection', () => {
  it('demultiplexes stdout and stderr and ends both with the connection', async () => {
    const connection = new PassThrough();
    const io = hijackedIo(connection, false, undefined);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    io.stdout.on('data', (b: Buffer) => out.push(b));
    io.stderr.on('data', (b: Buffer) => err.push(b));
    const both = frame(1, Buffer.from('out')).toString('latin1') + frame(2, Buffer.from('err')).toString('latin1');
    connection.end(Buffer.from(both, 'latin1'));
    await io.drained;
    assert.equal(Buffer.concat(out).toString(), 'out');
    assert.equal(Buffer.concat(err).toString(), 'err');
  });

  it('pauses the connection while output waits to be read, and resumes it once read', async () => {
    const connection = new PassThrough();
    const io = hijackedIo(connection, false, undefined);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    connection.write(frame(1, chunk));
    await new Promise(setImmediate);
    assert.equal(connection.isPaused(), true);
    assert.equal(io.stdout.read().length, chunk.length);
    await new Promise(setImmediate);
    assert.equal(connection.isPaused(), false);
    connection.end();
    await io.drained;
  });
});
