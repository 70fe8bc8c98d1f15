// Strict decoding of request messages, before any handler runs: the wire bytes are walked
// against the message's descriptor, and a request with an unknown field, a field of the wrong
// wire type, a truncated length, or messages nested deeper than a bound (google.protobuf.Value
// nests without limit) is turned into a MalformedRequest, which the request gate answers with
// INVALID_ARGUMENT. Without this, grpc-js answers undecodable bytes with INTERNAL, and protobuf
// silently drops unknown fields (Kubernetes' strict field validation refuses them).
import { join, isAbsolute } from 'node:path';
import { Enum, MapField, Reader, Root, Type, type Field } from 'protobufjs';

/** A request that could not be decoded; the gate turns it into INVALID_ARGUMENT after authentication. */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

export const DEFAULT_MAX_NESTING = 64;

const SCALAR_WIRE: Record<string, number> = {
  double: 1, float: 5, int32: 0, uint32: 0, sint32: 0, fixed32: 5, sfixed32: 5,
  int64: 0, uint64: 0, sint64: 0, fixed64: 1, sfixed64: 1, bool: 0, string: 2, bytes: 2,
};

function wireTypeOf(field: Field): number {
  if (field.resolvedType instanceof Type) return 2;
  if (field.resolvedType instanceof Enum) return 0;
  return SCALAR_WIRE[field.type];
}

/** What checking a field's values needs, worked out once per field. */
interface FieldPlan {
  /** The message type of its values (a map's values), if they are messages. */
  valueType: Type | undefined;
  /** The wire type of its values (a map's values). */
  expected: number;
  /** A map's key wire type (undefined: not a map). */
  keyWire: number | undefined;
}

const plans = new WeakMap<Field, FieldPlan>();

function planOf(field: Field): FieldPlan {
  let plan = plans.get(field);
  if (!plan) {
    plan = {
      valueType: field.resolvedType instanceof Type ? field.resolvedType : undefined,
      expected: wireTypeOf(field),
      keyWire: field instanceof MapField ? SCALAR_WIRE[field.keyType] : undefined,
    };
    plans.set(field, plan);
  }
  return plan;
}

class WireError extends Error {}

/**
 * The field names from the request down to the message being checked: a value's path
 * ("spec.containers.image") is joined only for an error message, never for a value that is fine.
 */
const trail: string[] = [];
const pathTo = (name: string) => (trail.length ? `${trail.join('.')}.${name}` : name);

function readLength(reader: Reader, end: number, name: string): number {
  const len = reader.uint32();
  const stop = reader.pos + len;
  if (stop > end) throw new WireError(`${pathTo(name)}: length ${len} runs past the end of the message`);
  return stop;
}

function checkValue(field: Field, valueType: Type | undefined, wt: number, expected: number, reader: Reader, end: number, depth: number, maxDepth: number, name: string): void {
  if (valueType) {
    if (wt !== 2) throw new WireError(`${pathTo(name)}: wire type ${wt} where a message was expected`);
    const stop = readLength(reader, end, name);
    trail.push(name);
    checkMessage(valueType, reader, stop, depth + 1, maxDepth);
    trail.pop();
    return;
  }
  if (field.repeated && wt === 2 && expected !== 2) {
    reader.pos = readLength(reader, end, name); // packed scalars
    return;
  }
  if (wt !== expected) throw new WireError(`${pathTo(name)}: wire type ${wt} where ${field.type} (wire type ${expected}) was expected`);
  reader.skipType(wt);
  if (reader.pos > end) throw new WireError(`${pathTo(name)}: value runs past the end of the message`);
}

/** Checks a message whose path is `trail`'s. */
function checkMessage(type: Type, reader: Reader, end: number, depth: number, maxDepth: number): void {
  if (depth > maxDepth) throw new WireError(`${trail.length ? trail.join('.') : type.name}: messages nested more than ${maxDepth} levels deep`);
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wt = tag & 7;
    const field = type.fieldsById[id];
    if (!field) throw new WireError(`${trail.length ? `${trail.join('.')}: ` : ''}unknown field number ${id} in ${type.fullName.slice(1)}`);
    const plan = planOf(field);
    if (plan.keyWire !== undefined) {
      if (wt !== 2) throw new WireError(`${pathTo(field.name)}: wire type ${wt} where a map entry was expected`);
      const stop = readLength(reader, end, field.name);
      trail.push(field.name);
      while (reader.pos < stop) {
        const t = reader.uint32();
        const fid = t >>> 3;
        if (fid === 1) checkValue(field, undefined, t & 7, plan.keyWire, reader, stop, depth, maxDepth, 'key');
        else if (fid === 2) checkValue(field, plan.valueType, t & 7, plan.expected, reader, stop, depth, maxDepth, 'value');
        else throw new WireError(`${trail.join('.')}: unknown field number ${fid} in a map entry`);
      }
      trail.pop();
      continue;
    }
    checkValue(field, plan.valueType, wt, plan.expected, reader, end, depth, maxDepth, field.name);
  }
  if (reader.pos !== end) throw new WireError(`${trail.length ? trail.join('.') : type.name}: truncated message`);
}

/** Returns why `bytes` are not a well-formed `type` message, or undefined if they are. */
export function wireProblem(type: Type, bytes: Uint8Array, maxDepth = DEFAULT_MAX_NESTING): string | undefined {
  try {
    trail.length = 0;
    checkMessage(type, Reader.create(bytes), bytes.length, 0, maxDepth);
    return undefined;
  } catch (err) {
    if (err instanceof WireError) return err.message;
    return `truncated or corrupt message (${(err as Error).message})`;
  }
}

/** The proto descriptors of the served APIs, to find each method's request type. */
export class RequestSchemas {
  private readonly root = new Root();

  constructor(protoRoot: string, files: readonly string[]) {
    this.root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') || isAbsolute(target) ? target : join(protoRoot, target));
    this.root.loadSync([...files]);
    this.root.resolveAll();
  }

  /** The request type of a method path ("/kite.core.v1.PodService/CreatePod"). */
  requestType(path: string): Type {
    const [, service, method] = path.split('/');
    const m = this.root.lookupService(service).methods[method];
    if (!m?.resolvedRequestType) throw new Error(`no method ${path} in the loaded protos`);
    return m.resolvedRequestType;
  }
}

/** Wraps a generated deserializer: malformed bytes become a MalformedRequest instead of an exception. */
export function strictDeserializer(type: Type, decode: (b: Buffer) => unknown, maxDepth = DEFAULT_MAX_NESTING): (b: Buffer) => unknown {
  return (bytes: Buffer) => {
    const problem = wireProblem(type, bytes, maxDepth);
    if (problem) return new MalformedRequest(`the request is not a valid ${type.fullName.slice(1)}: ${problem}`);
    try {
      return decode(bytes);
    } catch (err) {
      return new MalformedRequest(`the request is not a valid ${type.fullName.slice(1)}: ${(err as Error).message}`);
    }
  };
}
