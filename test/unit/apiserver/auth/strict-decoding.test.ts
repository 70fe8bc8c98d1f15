import { strict as assert } from 'node:assert';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { CreatePodRequest, CreateServiceRequest } from '../../../../lib/gen/kite/core/v1/services';
import { PROTO_FILES, PROTO_ROOT } from '../../../../services/apiserver/grpc/reflection';
import { MalformedRequest, RequestSchemas, strictDeserializer, wireProblem } from '../../../../services/apiserver/auth/limits/strict-decoding';

const schemas = new RequestSchemas(PROTO_ROOT, PROTO_FILES);
const createPod = schemas.requestType('/kite.core.v1.PodService/CreatePod');
const createSvc = schemas.requestType('/kite.core.v1.ServiceService/CreateService');

const valid = () =>
  Buffer.from(
    CreatePodRequest.encode(
      CreatePodRequest.fromPartial({
        namespace: 'default',
        pod: {
          metadata: { name: 'p', labels: { app: 'x' } },
          spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '1' } } }] },
        },
      }),
    ).finish(),
  );

/** A Service whose port's targetPort (google.protobuf.Value) nests `depth` lists deep. */
function nestedValue(depth: number): Buffer {
  let value = new BinaryWriter().uint32((3 << 3) | 2).string('x').finish(); // Value{string_value}
  for (let i = 0; i < depth; i++) {
    const list = new BinaryWriter().uint32((1 << 3) | 2).bytes(value).finish(); // ListValue{values}
    value = new BinaryWriter().uint32((6 << 3) | 2).bytes(list).finish(); // Value{list_value}
  }
  const port = new BinaryWriter().uint32((5 << 3) | 2).bytes(value).finish(); // ServicePort.target_port = 5
  const spec = new BinaryWriter().uint32((1 << 3) | 2).bytes(port).finish(); // ServiceSpec.ports = 1
  const svc = new BinaryWriter().uint32((2 << 3) | 2).bytes(spec).finish(); // Service.spec = 2
  return Buffer.from(new BinaryWriter().uint32((2 << 3) | 2).bytes(svc).finish()); // CreateServiceRequest.service = 2
}

describe('strict request decoding', () => {
  it('accepts what the generated code encodes', () => {
    assert.equal(wireProblem(createPod, valid()), undefined);
    const out = strictDeserializer(createPod, (b) => CreatePodRequest.decode(b))(valid());
    assert.equal((out as CreatePodRequest).pod?.metadata?.name, 'p');
  });

  it('refuses an unknown field, naming where it is', () => {
    const extra = Buffer.concat([valid(), new BinaryWriter().uint32((99 << 3) | 0).uint32(1).finish()]);
    assert.match(wireProblem(createPod, extra)!, /unknown field number 99 in kite\.core\.v1\.CreatePodRequest/);
    const metaField = new BinaryWriter().uint32((77 << 3) | 2).string('zz').finish();
    const pod = new BinaryWriter().uint32((1 << 3) | 2).bytes(metaField).finish(); // Pod.metadata = 1
    const req = new BinaryWriter().uint32((2 << 3) | 2).bytes(pod).finish();
    assert.match(wireProblem(createPod, req)!, /^pod\.metadata: unknown field number 77/);
  });

  it('refuses a field of the wrong wire type', () => {
    const req = new BinaryWriter().uint32((1 << 3) | 0).uint32(5).finish(); // namespace (string) as varint
    assert.match(wireProblem(createPod, req)!, /namespace: wire type 0 where string/);
  });

  it('names the full path of a problem inside a map entry, and no path of a request checked before', () => {
    const entry = new BinaryWriter().uint32((1 << 3) | 2).string('app').uint32((2 << 3) | 0).uint32(7).finish(); // value (string) as varint
    const meta = new BinaryWriter().uint32((10 << 3) | 2).bytes(entry).finish(); // ObjectMeta.labels = 10
    const pod = new BinaryWriter().uint32((1 << 3) | 2).bytes(meta).finish(); // Pod.metadata = 1
    const req = new BinaryWriter().uint32((2 << 3) | 2).bytes(pod).finish(); // CreatePodRequest.pod = 2
    assert.match(wireProblem(createPod, req)!, /^pod\.metadata\.labels\.value: wire type 0 where string/);
    const bad = new BinaryWriter().uint32((1 << 3) | 0).uint32(5).finish();
    assert.match(wireProblem(createPod, bad)!, /^namespace: wire type 0 where string/);
    assert.equal(wireProblem(createPod, valid()), undefined);
  });

  it('refuses truncated lengths and garbage', () => {
    const v = valid();
    assert.ok(wireProblem(createPod, v.subarray(0, v.length - 3)));
    assert.ok(wireProblem(createPod, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
    assert.ok(wireProblem(createPod, Buffer.from([0x0b]))); // group start: not proto3
  });

  it('bounds nesting of google.protobuf.Value', () => {
    assert.equal(wireProblem(createSvc, nestedValue(10)), undefined);
    assert.match(wireProblem(createSvc, nestedValue(200))!, /nested more than 64 levels/);
    const out = strictDeserializer(createSvc, (b) => CreateServiceRequest.decode(b))(nestedValue(5000));
    assert.ok(out instanceof MalformedRequest);
    assert.match(out.reason, /^the request is not a valid kite\.core\.v1\.CreateServiceRequest: /);
  });

  it('knows every method of the served protos', () => {
    assert.equal(schemas.requestType('/kite.rbac.v1.RoleBindingService/UpdateRoleBinding').name, 'UpdateRoleBindingRequest');
    assert.equal(schemas.requestType('/kite.authorization.v1.AuthorizationService/CreateSelfSubjectReview').name, 'CreateSelfSubjectReviewRequest');
    assert.throws(() => schemas.requestType('/kite.core.v1.PodService/Nope'), /no method/);
  });
});
