// Kubernetes' protobuf encoding: the body kubectl v1.32 sends for `create namespace`, a round trip
// of every kind's fully populated object and of the review and token messages, the wire form of
// Kubernetes' special types (Time, Quantity, IntOrString, bytes, embedded structs) with Kubernetes'
// field numbers, the envelope, and a body of another kind than the path's refused.
import { strict as assert } from 'node:assert';
import { populated } from '../../../support/populated';
import * as pb from 'protobufjs';
import { ApiError } from '../../../../lib/api/errors';
import { decodeProtobuf, encodeProtobuf, protobufTypeOf } from '../../../../lib/api/k8s-protobuf';
import { ALL_KINDS, ConfigMaps, Deployments, type KindInfo, type KubeObject } from '../../../../lib/api/kinds';
import { decodeKube, encodeKube } from '../../../../lib/api/kube-json';
import { messageTypeOf, protoRootOf } from '../../../../lib/api/proto-schema';
import { SelfSubjectAccessReview, SelfSubjectReview, SelfSubjectRulesReview } from '../../../../lib/gen/kite/authorization/v1/authorization';
import { TokenRequest } from '../../../../lib/gen/kite/authentication/v1/types';
import { parseProtobufBody } from '../../../../services/apiserver/http/request-body';
import { protobufReply } from '../../../../services/apiserver/http/protobuf-reply';

type Obj = Record<string, any>;

/** `kubectl create namespace x` (v1.32.4) as it goes on the wire (from its -v=8 log). */
const KUBECTL_CREATE_NAMESPACE = Buffer.from(
  '6b3873000a0f0a0276311209 4e616d657370616365 12190a110a0178120 01a00 22002a00320038004200 12001a020a00 1a002200'.replace(/\s/g, ''),
  'hex',
);

function error(fn: () => unknown): { reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { reason: err.reason, message: err.message };
  }
  return assert.fail('expected an error');
}

/** The raw object bytes of a protobuf body (the envelope's field 2). */
function rawOf(body: Buffer): Uint8Array {
  const r = pb.Reader.create(body.subarray(4));
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 2) return r.bytes();
    r.skipType(tag & 7);
  }
  return assert.fail('no raw bytes');
}

/** The fields of a protobuf message by number: each value's bytes (length-delimited) or number (varint). */
function wireFields(bytes: Uint8Array): Map<number, (Uint8Array | number)[]> {
  const out = new Map<number, (Uint8Array | number)[]>();
  const r = pb.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    const value = (tag & 7) === 2 ? r.bytes() : (tag & 7) === 0 ? Number(r.int64()) : (r.skipType(tag & 7), 0);
    out.set(tag >>> 3, [...(out.get(tag >>> 3) ?? []), value]);
  }
  return out;
}

describe('Kubernetes protobuf: what kubectl sends', () => {
  it('decodes kubectl create namespace into the Namespace it means', () => {
    const d = decodeProtobuf(KUBECTL_CREATE_NAMESPACE);
    assert.equal(d.kind, 'Namespace');
    assert.equal(d.apiVersion, 'v1');
    // Go writes every non-pointer field (empty strings, a zero creationTimestamp): the zero time is null, so left out.
    assert.deepEqual(d.object, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x', generateName: '', namespace: '', uid: '', resourceVersion: '', generation: 0 }, spec: {}, status: { phase: '' } });
    const ns = decodeKube(ALL_KINDS.find((k) => k.kind === 'Namespace')!, d.object).object;
    assert.equal(ns.metadata!.name, 'x');
  });
});

/** Kinds served as JSON only (docs/metrics.md): a client that accepts only protobuf gets JSON for them. */
const JSON_ONLY = new Set(['NodeMetrics', 'PodMetrics']);

describe('Kubernetes protobuf: round trip of every kind', () => {
  it('has no schema for the JSON-only kinds, and answers them as JSON', () => {
    for (const kind of JSON_ONLY) assert.equal(protobufTypeOf('metrics.k8s.io/v1beta1', kind), undefined, kind);
    assert.equal(protobufReply('application/vnd.kubernetes.protobuf', { kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1' }), undefined);
  });

  for (const kind of (ALL_KINDS as readonly KindInfo<KubeObject>[]).filter((k) => !JSON_ONLY.has(k.kind))) {
    it(`${kind.kind}: every field Kite has comes back through protobuf`, () => {
      const object = decodeKube(kind, { ...populated(messageTypeOf(kind), 0), kind: kind.kind, apiVersion: kind.apiVersion }).object;
      // Kubernetes' protobuf has no TypeMeta for an embedded object (a StatefulSet's claim templates): Go drops it too.
      for (const t of (object as { spec?: { volumeClaimTemplates?: { kind: string; apiVersion: string }[] } }).spec?.volumeClaimTemplates ?? []) Object.assign(t, { kind: '', apiVersion: '' });
      const json = encodeKube(kind, object);
      const body = encodeProtobuf(json);
      assert.ok(body.subarray(0, 4).equals(Buffer.from('k8s\0', 'latin1')));
      const back = decodeProtobuf(body);
      assert.deepEqual(decodeKube(kind, back.object).object, object);
    });
  }

  it('a TokenRequest, the access and rules reviews and a SelfSubjectReview come back', () => {
    const cases: [string, string, { fromJSON(o: unknown): unknown; toJSON(o: any): unknown }, string][] = [
      ['kite.authentication.v1.TokenRequest', 'authentication.k8s.io/v1', TokenRequest, 'TokenRequest'],
      ['kite.authorization.v1.SelfSubjectAccessReview', 'authorization.k8s.io/v1', SelfSubjectAccessReview, 'SelfSubjectAccessReview'],
      ['kite.authorization.v1.SelfSubjectReview', 'authentication.k8s.io/v1', SelfSubjectReview, 'SelfSubjectReview'],
      ['kite.authorization.v1.SelfSubjectRulesReview', 'authorization.k8s.io/v1', SelfSubjectRulesReview, 'SelfSubjectRulesReview'],
    ];
    for (const [type, apiVersion, codec, kind] of cases) {
      const message = codec.fromJSON({ ...populated(protoRootOf().lookupType(type), 0), kind, apiVersion });
      const back = decodeProtobuf(encodeProtobuf(codec.toJSON(message) as Obj));
      assert.deepEqual(codec.fromJSON(back.object), message, kind);
    }
  });
});

describe('Kubernetes protobuf: the wire form of Kubernetes types', () => {
  const deployment = (): Obj => ({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', uid: 'u-1', creationTimestamp: '2024-01-02T03:04:05Z', labels: { app: 'web' } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '500m' } }, livenessProbe: { httpGet: { path: '/', port: 'http' } } }] },
      },
    },
  });

  it("writes Kubernetes' field numbers: ObjectMeta uid 5, creationTimestamp 8 as seconds, labels 11", () => {
    const meta = wireFields(wireFields(rawOf(encodeProtobuf(deployment()))).get(1)![0] as Uint8Array);
    assert.equal(Buffer.from(meta.get(1)![0] as Uint8Array).toString(), 'web');
    assert.equal(Buffer.from(meta.get(5)![0] as Uint8Array).toString(), 'u-1');
    assert.equal(wireFields(meta.get(8)![0] as Uint8Array).get(1)![0], Date.parse('2024-01-02T03:04:05Z') / 1000);
    assert.ok(meta.get(11));
  });

  it('carries int-or-string, quantities, pointers set to zero and embedded structs', () => {
    const back = decodeProtobuf(encodeProtobuf(deployment())).object as Obj;
    assert.deepEqual(back.spec.strategy.rollingUpdate, { maxSurge: '25%', maxUnavailable: 1 });
    assert.equal(back.spec.replicas, 0);
    const c = back.spec.template.spec.containers[0];
    assert.deepEqual(c.resources, { limits: { cpu: '500m' } });
    assert.deepEqual(c.livenessProbe, { httpGet: { path: '/', port: 'http' } });
    assert.equal(back.metadata.creationTimestamp, '2024-01-02T03:04:05Z');
    decodeKube(Deployments, back);
  });

  it('a ConfigMap keeps its binaryData bytes exactly', () => {
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    const json = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' }, data: { a: 'b' }, binaryData: { bin: bytes.toString('base64') } };
    const cm = decodeKube(ConfigMaps, decodeProtobuf(encodeProtobuf(json)).object).object;
    assert.deepEqual(Buffer.from(cm.binaryData.bin), bytes);
    assert.deepEqual(cm.data, { a: 'b' });
  });
});

describe('Kubernetes protobuf: the envelope', () => {
  it('refuses a body without the k8s magic', () => {
    const e = error(() => decodeProtobuf(Buffer.from('{"kind":"Namespace"}')));
    assert.equal(e.reason, 'BadRequest');
    assert.match(e.message, /does not appear to be a protobuf message, expected prefix \[107 56 115 0\]/);
  });

  it('refuses a kind it does not know', () => {
    const unknown = Buffer.from(KUBECTL_CREATE_NAMESPACE);
    unknown.write('Nomespace', 12, 'latin1');
    assert.match(error(() => decodeProtobuf(unknown)).message, /no kind "Nomespace" is registered for version "v1"/);
  });

  it("reads DeleteOptions in any group version (typed clients send them as the resource's)", () => {
    const body = encodeProtobuf({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: 'u-1' }, propagationPolicy: 'Foreground', dryRun: ['All'] });
    assert.deepEqual(parseProtobufBody(body, { kind: 'DeleteOptions' }), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: 'u-1' }, propagationPolicy: 'Foreground', dryRun: ['All'] });
    assert.equal(protobufTypeOf('apps/v1', 'DeleteOptions')?.fullName, '.k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  });

  it('knows the kinds by group version', () => {
    assert.equal(protobufTypeOf('apps/v1', 'Deployment')?.fullName, '.k8s.io.api.apps.v1.Deployment');
    assert.equal(protobufTypeOf('rbac.authorization.k8s.io/v1', 'ClusterRole')?.fullName, '.k8s.io.api.rbac.v1.ClusterRole');
    assert.equal(protobufTypeOf('v1', 'Pod')?.fullName, '.k8s.io.api.core.v1.Pod');
  });
});

describe('Kubernetes protobuf: a body of another kind than the path', () => {
  it('is refused as kube-apiserver refuses it', () => {
    const body = encodeProtobuf({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' } });
    const e = error(() => parseProtobufBody(body, { kind: 'Namespace', apiVersion: 'v1' }));
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, 'ConfigMap in version "v1" cannot be handled as a Namespace: converting (v1.ConfigMap) to (core.Namespace): unknown conversion');
  });

  it('of another version than the path is refused as the create and update handlers refuse it', () => {
    const body = encodeProtobuf({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd' } });
    const e = error(() => parseProtobufBody(body, { kind: 'Deployment', apiVersion: 'apps/v1beta2' }));
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, 'the API version in the data (apps/v1) does not match the expected API version (apps/v1beta2)');
  });

  it('is read when it is the kind the path names', () => {
    const body = encodeProtobuf({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' } });
    assert.deepEqual(parseProtobufBody(body, { kind: 'ConfigMap', apiVersion: 'v1' }), { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' } });
  });
});
