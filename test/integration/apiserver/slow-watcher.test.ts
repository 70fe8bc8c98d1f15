// Slow watchers: clients that open a watch and never read. Each has a bounded buffer on the
// server; once it overflows the server closes that watch with RESOURCE_EXHAUSTED, so memory stays
// bounded, while a watcher that reads keeps receiving promptly. A closed laggard resumes from the
// last resourceVersion it read and gets the rest without gaps.
import { strict as assert } from 'node:assert';
import { connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { status as Status } from '@grpc/grpc-js';
import * as K from '../../../lib/api/kinds';
import { PodWatchEvent, WatchPodsRequest } from '../../../lib/gen/kite/core/v1/services';
import { waitFor } from '../../support/wait';
import { pod } from '../../support/builders';
import { backends, Recorders, settle, uniqueName, useApiserver } from './harness';

const MAX_PENDING = 20;
const SLOW_WATCHERS = 50;
const EVENTS = 120;
/** Big events fill HTTP/2 flow-control windows and socket buffers quickly. */
const ANNOTATION_BYTES = 64 * 1024;

interface RawWatch {
  session: ClientHttp2Session;
  stream: ClientHttp2Stream;
  trailers: Promise<IncomingHttpHeaders>;
}

/**
 * A WatchPods call on its own HTTP/2 connection whose response is never read: the stream stays
 * paused, so HTTP/2 flow control stops the server once the window is full. (grpc-js clients keep
 * reading into memory even when their stream is paused, so they cannot play this part.)
 */
function rawWatch(address: string, labelSelector: string): RawWatch {
  const session = connect(`http://${address}`);
  session.on('error', () => {});
  const stream = session.request({ ':method': 'POST', ':path': '/kite.core.v1.PodService/WatchPods', 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
  const body = Buffer.from(WatchPodsRequest.encode(WatchPodsRequest.fromPartial({ labelSelector, resourceVersion: '' })).finish());
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  stream.end(frame);
  stream.pause();
  const trailers = new Promise<IncomingHttpHeaders>((resolve) => stream.once('trailers', resolve));
  return { session, stream, trailers };
}

/** Reads everything the paused stream had waiting, decodes the gRPC frames, returns them with the final status. */
async function drain(w: RawWatch): Promise<{ events: PodWatchEvent[]; code: number; message: string }> {
  const chunks: Buffer[] = [];
  w.stream.on('data', (d: Buffer) => chunks.push(d));
  w.stream.resume();
  const trailers = await w.trailers;
  await new Promise((r) => (w.stream.readableEnded ? r(undefined) : w.stream.once('end', r)));
  const data = Buffer.concat(chunks);
  const events: PodWatchEvent[] = [];
  for (let off = 0; off + 5 <= data.length; ) {
    const len = data.readUInt32BE(off + 1);
    events.push(PodWatchEvent.decode(data.subarray(off + 5, off + 5 + len)));
    off += 5 + len;
  }
  return { events, code: Number(trailers['grpc-status']), message: decodeURIComponent(String(trailers['grpc-message'] ?? '')) };
}

for (const backend of backends()) {
  describe(`apiserver slow watchers (${backend})`, function () {
    this.timeout(60_000);
    const h = useApiserver(backend, { watchMaxPending: MAX_PENDING });
    const recorders = new Recorders();
    const raws: RawWatch[] = [];
    afterEach(async () => {
      await recorders.stopAll();
      for (const r of raws.splice(0)) {
        r.stream.close();
        r.session.destroy();
      }
    });

    it(`closes ${SLOW_WATCHERS} watchers that never read, keeps a reader prompt, and lets a laggard resume without gaps`, async () => {
      const set = uniqueName('slow');
      const pods = h.api.server.registry(K.Pods);
      const before = pods.watcherCount;
      for (let i = 0; i < SLOW_WATCHERS; i++) raws.push(rawWatch(h.api.address, `set=${set}`));
      const reader = recorders.watch(h.client.pods, { labelSelector: `set=${set}` });
      await waitFor('every watch registered', () => pods.watcherCount === before + SLOW_WATCHERS + 1);
      const rssBefore = process.memoryUsage().rss;

      const written: { name: string; rv: string; at: number }[] = [];
      const big = 'x'.repeat(ANNOTATION_BYTES);
      for (let i = 0; i < EVENTS; i++) {
        const p = pod(`${set}-${i}`, { labels: { set } });
        p.metadata!.annotations = { payload: big };
        const out = await h.client.pods.create(p);
        written.push({ name: out.metadata!.name, rv: out.metadata!.resourceVersion, at: performance.now() });
      }
      await reader.untilCount(EVENTS, 20_000);
      const arrived = performance.now();
      assert.deepEqual(reader.events.map((e) => e.object!.metadata!.resourceVersion), written.map((w) => w.rv), 'the reader got every event in order');
      // The reader was not held back by the laggards: the last event arrived right after it was written.
      const lag = arrived - written[written.length - 1].at;
      assert.ok(lag < 2000, `the reader got the last event ${lag.toFixed(0)} ms after it was written`);

      await waitFor('every laggard closed', () => pods.watcherCount === before + 1, 10_000);
      const rssGrowthMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
      // Unbounded per-watcher buffers would hold ~SLOW_WATCHERS x EVENTS x 64 KiB (375 MiB) here.
      assert.ok(rssGrowthMiB < 200, `process memory grew by ${rssGrowthMiB.toFixed(0)} MiB`);

      // A laggard reads what it had buffered, sees why it was closed, and resumes from there.
      const laggard = await drain(raws[0]);
      assert.equal(laggard.code, Status.RESOURCE_EXHAUSTED);
      assert.match(laggard.message, new RegExp(`fell more than ${MAX_PENDING} events behind; watch again from the last resourceVersion`));
      assert.ok(laggard.events.length < EVENTS, `the laggard read ${laggard.events.length} events before it was closed`);
      const lastSeen = laggard.events.length ? laggard.events[laggard.events.length - 1].object!.metadata!.resourceVersion : written[0].rv;
      const skip = laggard.events.length || 1;
      const resumed = recorders.watch(h.client.pods, { labelSelector: `set=${set}`, resourceVersion: lastSeen });
      await resumed.untilCount(EVENTS - skip, 20_000);
      await settle(100);
      const all = [...laggard.events.map((e) => e.object!.metadata!.resourceVersion), ...resumed.events.map((e) => e.object!.metadata!.resourceVersion)];
      assert.deepEqual(all.slice(-(EVENTS - skip)), written.slice(skip).map((w) => w.rv), 'resumed with no gap and no duplicate');
    });
  });
}
