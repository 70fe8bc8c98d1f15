// Content negotiation for Kubernetes' protobuf: JSON whenever the Accept allows it (kubectl's
// `application/vnd.kubernetes.protobuf,application/json`), protobuf when it asks only for protobuf.
import { strict as assert } from 'node:assert';
import { decodeProtobuf } from '../../../../lib/api/k8s-protobuf';
import { protobufReply, protobufWatch } from '../../../../services/apiserver/http/protobuf-reply';

const PB = 'application/vnd.kubernetes.protobuf';
const cm = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' }, data: { a: 'b' } };

describe('protobuf replies', () => {
  it('answers JSON when the Accept allows it', () => {
    for (const accept of [undefined, '', 'application/json', `${PB},application/json`, `${PB}, */*`]) assert.equal(protobufReply(accept, cm), undefined, String(accept));
  });

  it('answers protobuf when the Accept asks only for protobuf: objects, lists and Status', () => {
    assert.deepEqual(decodeProtobuf(protobufReply(PB, cm)!).object, cm);
    const list = { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'cm' } }] };
    assert.deepEqual(decodeProtobuf(protobufReply(PB, list)!).object, list);
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'configmaps' }, code: 404 };
    assert.deepEqual(decodeProtobuf(protobufReply(PB, status)!).object, status);
  });

  it('answers JSON for what the schema has no message for, and for protobuf watch streams', () => {
    assert.equal(protobufReply(PB, { kind: 'Table', apiVersion: 'meta.k8s.io/v1' }), undefined);
    assert.equal(protobufReply(`${PB};stream=watch`, cm), undefined);
  });

  it('streams a watch in protobuf only to a client that accepts protobuf and not JSON', () => {
    for (const accept of [`${PB};stream=watch`, PB, `${PB};stream=watch, ${PB}`]) assert.ok(protobufWatch(accept), accept);
    for (const accept of [undefined, 'application/json', `${PB};stream=watch, application/json`, `${PB}, */*`, `${PB};as=Table;g=meta.k8s.io;v=v1`]) assert.ok(!protobufWatch(accept), String(accept));
  });
});
