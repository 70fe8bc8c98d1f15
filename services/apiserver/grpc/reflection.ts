// Server reflection and grpc.health.v1, so grpcurl and `buf curl` can discover and call every
// service. Reflection serves the descriptors buf compiled (lib/gen/descriptors.binpb, made by
// `npm run gen`): descriptors that protobufjs rebuilds from proto/ lose json_name ("podIP"
// becomes "podIp") and misname map entries, which Go clients reject outright.
import { API_GROUPS } from '../../../lib/api/kind-declarations';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { ALL_KINDS } from '../../../lib/api/kinds';

export const PROTO_ROOT = join(__dirname, '..', '..', '..', 'proto');

/** Every served proto: each API group's <Kind>Services (from the kind declarations) and the access reviews. */
export const PROTO_FILES = [...Object.values(API_GROUPS).map((g) => `kite/${g.dir}/${g.version}/services.proto`), 'kite/authorization/v1/authorization.proto'];

export const DESCRIPTOR_SET = join(__dirname, '..', '..', '..', 'lib', 'gen', 'descriptors.binpb');

/** The encoded FileDescriptorProtos of a FileDescriptorSet (field 1, repeated, length-delimited). */
export function splitDescriptorSet(set: Buffer): Buffer[] {
  const files: Buffer[] = [];
  let pos = 0;
  const varint = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = set[pos++];
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
  };
  while (pos < set.length) {
    if (varint() !== 0x0a) throw new Error('not a FileDescriptorSet: expected field 1 (file)');
    const len = varint();
    files.push(set.subarray(pos, pos + len));
    pos += len;
  }
  return files;
}

export function addReflection(server: Server): void {
  // Only the services this server implements (the set also describes e.g. the kubelet's).
  const served = loadSync([...PROTO_FILES, healthProtoPath], { includeDirs: [PROTO_ROOT] });
  const services = Object.entries(served)
    .filter(([, def]) => !('format' in def))
    .map(([name]) => name);
  const descriptors = { all: { fileDescriptorProtos: splitDescriptorSet(readFileSync(DESCRIPTOR_SET)) } } as unknown as PackageDefinition;
  new ReflectionService(descriptors, { services }).addToServer(server);
}

export function addHealth(server: Server): HealthImplementation {
  const statuses: Record<string, 'SERVING'> = { '': 'SERVING' };
  for (const k of ALL_KINDS) statuses[k.serviceName] = 'SERVING';
  const health = new HealthImplementation(statuses);
  health.addToServer(server);
  return health;
}
