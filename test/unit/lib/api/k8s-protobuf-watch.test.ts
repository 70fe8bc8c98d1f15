// Protobuf watch frames (lib/api/k8s-protobuf.ts) in kube-apiserver's wire form: a 4-byte
// big-endian length, a meta.v1.WatchEvent without the k8s magic (protobuf's raw stream
// serializer), and in its object's RawExtension the object's own enveloped protobuf body.
import { strict as assert } from 'node:assert';
import { decodeProtobuf, decodeWatchFrames, encodeProtobuf, encodeWatchFrame } from '../../../../lib/api/k8s-protobuf';

const configMap = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', namespace: 'ns', resourceVersion: '7' }, data: { a: 'b' } };

describe('Kubernetes protobuf: watch frames', () => {
  it('writes the length, then WatchEvent{type = 1, object = 2 {raw = 1}} around the enveloped object', () => {
    const frame = encodeWatchFrame('ADDED', configMap);
    assert.equal(frame.readUInt32BE(0), frame.length - 4);
    const body = encodeProtobuf(configMap);
    const expected = Buffer.concat([
      Buffer.from([0x0a, 5]),
      Buffer.from('ADDED'),
      Buffer.from([0x12, ...varint(body.length + 1 + varint(body.length).length), 0x0a, ...varint(body.length)]),
      body,
    ]);
    assert.deepEqual(frame.subarray(4), expected);
  });

  it('reads whole frames back and keeps an incomplete one for later', () => {
    const frames = Buffer.concat([encodeWatchFrame('ADDED', configMap), encodeWatchFrame('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', code: 410 })]);
    const { events, rest } = decodeWatchFrames(frames.subarray(0, frames.length - 3));
    assert.deepEqual(events.map((e) => [e.type, e.object.kind]), [['ADDED', 'ConfigMap']]);
    assert.deepEqual(events[0].object, decodeProtobuf(encodeProtobuf(configMap)));
    const all = decodeWatchFrames(Buffer.concat([rest, frames.subarray(frames.length - 3)]));
    assert.deepEqual(all.events.map((e) => [e.type, e.object.object.code, e.object.object.reason]), [['ERROR', 410, 'Expired']]);
    assert.equal(all.rest.length, 0);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
