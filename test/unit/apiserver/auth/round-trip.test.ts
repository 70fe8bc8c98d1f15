// Every kind survives object -> protobuf binary -> JSON -> protobuf unchanged, for objects
// fast-check generates from the kind's own descriptor (every field, nested messages, maps,
// repeated fields, optional scalars, int-or-string values). The binary form also passes the
// apiserver's strict decoding, so anything a client can build, the server accepts.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MapField, Type, type Field } from 'protobufjs';
import { ALL_KINDS } from '../../../../lib/api/kinds';
import { PROTO_FILES, PROTO_ROOT } from '../../../../services/apiserver/grpc/reflection';
import { RequestSchemas, wireProblem } from '../../../../services/apiserver/auth/limits/strict-decoding';

const schemas = new RequestSchemas(PROTO_ROOT, PROTO_FILES);
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const text = fc.string({ maxLength: 12 });

function scalar(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return text;
    case 'bool':
      return fc.boolean();
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return fc.integer(INT32);
    case 'uint32':
    case 'fixed32':
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.maxSafeInteger();
    case 'uint64':
    case 'fixed64':
      return fc.maxSafeNat();
    case 'bytes':
      return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64'));
    default:
      throw new Error(`no generator for ${type}`);
  }
}

const jsonName = (f: Field) => (f.options?.json_name as string | undefined) ?? f.name;

/** JSON (protobuf's mapping) for a message type, `depth` levels of nesting at most. */
function message(t: Type, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (t.fullName === '.google.protobuf.Value') return fc.oneof(fc.integer({ min: 0, max: 65535 }), text) as unknown as fc.Arbitrary<Record<string, unknown>>;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of t.fieldsArray) {
    f.resolve();
    const sub = f.resolvedType instanceof Type ? f.resolvedType : undefined;
    if (sub && depth <= 0) continue;
    const one = () => (sub ? message(sub, depth - 1) : scalar(f.type));
    if (f instanceof MapField) fields[jsonName(f)] = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), one(), { maxKeys: 2 });
    else if (f.repeated) fields[jsonName(f)] = fc.array(one(), { maxLength: 2 });
    else fields[jsonName(f)] = one();
  }
  return fc.record(fields, { requiredKeys: [] });
}

describe('round trip of every kind: object -> proto -> JSON -> proto', () => {
  for (const kind of ALL_KINDS) {
    it(kind.kind, () => {
      const createType = schemas.requestType(`/${kind.serviceName}/Create${kind.kind}`);
      const type = createType.fieldsById[2].resolvedType as Type; // the object field of every create request
      fc.assert(
        fc.property(message(type, 7), (json) => {
          const obj = kind.type.fromJSON({ ...json, kind: kind.kind, apiVersion: kind.apiVersion });
          const bytes = kind.type.encode(obj).finish();
          const decoded = kind.type.decode(bytes);
          const again = kind.type.fromJSON(JSON.parse(JSON.stringify(kind.type.toJSON(decoded))));
          assert.deepStrictEqual(again, decoded);
          assert.deepStrictEqual(Buffer.from(kind.type.encode(again).finish()), Buffer.from(bytes));
          const request = kind.service[`create${kind.kind}`].requestSerialize({ namespace: 'default', [kind.requestField]: again, dryRun: [] });
          assert.equal(wireProblem(createType, request), undefined);
        }),
        { numRuns: 25 },
      );
    });
  }
});
