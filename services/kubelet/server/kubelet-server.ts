// The kubelet's own gRPC endpoint (--port, 10250 by default): KubeletService (logs, exec) plus
// server reflection and grpc.health.v1. With a certificate it serves TLS and, given a client CA,
// accepts only callers with a certificate from it (the apiserver's kubelet-client certificate).
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { KubeletServiceService, type KubeletServiceServer } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import { logger } from '../../../lib/log';
import type { ContainerRuntime } from '../runtime/types';
import { serveExec } from './exec';
import { serveContainerLogs } from './logs';
import type { TargetContext } from './target';

const PROTO_ROOT = join(__dirname, '..', '..', '..', 'proto');
export const KUBELET_SERVICE_NAME = 'kite.kubelet.v1.KubeletService';

export interface KubeletServerOptions {
  bindAddress: string;
  /** 0 picks a free port. */
  port: number;
  runtime: ContainerRuntime;
  targets: TargetContext;
  tls?: { cert: Buffer; key: Buffer; clientCA?: Buffer };
}

export interface KubeletServer {
  /** host:port actually bound. */
  address: string;
  port: number;
  stop(): Promise<void>;
}

function credentials(tls: KubeletServerOptions['tls']): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCA ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCA !== undefined);
}

export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const log = logger('kubelet', { module: 'server' });
  const server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  const impl: KubeletServiceServer = {
    containerLogs: (call) => void serveContainerLogs(call, o.runtime, o.targets),
    exec: (call) => void serveExec(call, o.runtime, o.targets),
  };
  server.addService(KubeletServiceService, impl);
  const definitions = loadSync(['kite/kubelet/v1/kubelet.proto', healthProtoPath], { includeDirs: [PROTO_ROOT] });
  new ReflectionService(definitions).addToServer(server);
  new HealthImplementation({ '': 'SERVING', [KUBELET_SERVICE_NAME]: 'SERVING' }).addToServer(server);
  if (!o.tls) log.warn('kubelet endpoint serves plaintext: for local development only');
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${o.bindAddress}:${o.port}`, credentials(o.tls), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  log.info({ port, tls: !!o.tls }, 'kubelet endpoint listening');
  return {
    address: `${o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
