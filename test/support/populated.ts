// A Kubernetes-JSON object of a proto message with every field set to something not zero, in
// the form Kubernetes writes (quantities, times, int-or-string): round-trip tests of the codecs
// use it so that every field of every kind is exercised, including fields added later.
import type * as Protobuf from 'protobufjs';
import { MICRO_TIME_FIELDS, QUANTITY_FIELDS, RAW_JSON_FIELDS, TIME_FIELDS } from '../../lib/api/field-semantics';
import { isIntOrString, jsonName, messageOf } from '../../lib/api/proto-schema';

type Obj = Record<string, any>;

export function populated(type: Protobuf.Type, depth = 0): Obj {
  const out: Obj = {};
  if (depth > 20) return out;
  for (const field of type.fieldsArray) {
    const key = jsonName(field);
    const sample = (): unknown => {
      const child = messageOf(field);
      // A Struct is a RawExtension: any JSON object.
      if (child?.fullName === '.google.protobuf.Struct') return { any: { nested: [1, 'two'] } };
      if (child) return isIntOrString(child) ? (depth % 2 ? 'http' : 8080) : populated(child, depth + 1);
      if (QUANTITY_FIELDS[type.name]?.includes(key)) return '1500m';
      if (TIME_FIELDS[type.name]?.includes(key)) return '2024-01-02T03:04:05Z';
      if (MICRO_TIME_FIELDS[type.name]?.includes(key)) return '2024-01-02T03:04:05.123456Z';
      if (RAW_JSON_FIELDS[type.name]?.includes(key)) return { [`f:${key}`]: {} };
      if (field.resolvedType) return 'Value';
      switch (field.type) {
        case 'bool':
          return true;
        case 'string':
          return `${key}-value`;
        case 'bytes':
          return Buffer.from(key).toString('base64');
        default:
          return 7;
      }
    };
    if (field.map) out[key] = { one: sample(), two: sample() };
    else if (field.repeated) out[key] = [sample(), sample()];
    else out[key] = sample();
  }
  return out;
}
