// Server reflection and grpc.health.v1, so grpcurl and `buf curl` can discover and call every
// service. Reflection needs file descriptors, which @grpc/proto-loader builds from proto/.
import { join } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { ALL_KINDS } from '../../../lib/api/kinds';

export const PROTO_ROOT = join(__dirname, '..', '..', '..', 'proto');

export const PROTO_FILES = [
  'kite/core/v1/services.proto',
  'kite/apps/v1/services.proto',
  'kite/coordination/v1/services.proto',
  'kite/rbac/v1/services.proto',
  'kite/authorization/v1/authorization.proto',
];

export function addReflection(server: Server): void {
  const pkg = loadSync([...PROTO_FILES, healthProtoPath], {
    includeDirs: [PROTO_ROOT],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  new ReflectionService(pkg).addToServer(server);
}

export function addHealth(server: Server): HealthImplementation {
  const statuses: Record<string, 'SERVING'> = { '': 'SERVING' };
  for (const k of ALL_KINDS) statuses[k.serviceName] = 'SERVING';
  const health = new HealthImplementation(statuses);
  health.addToServer(server);
  return health;
}
