// The kubelet's own gRPC endpoint (--port, 10250 by default): KubeletService (logs, exec, attach, port-forward, the stats summary and resource metrics) plus
// server reflection and grpc.health.v1. With a certificate it serves TLS and, given a client CA,
// accepts only callers with a certificate from it; with an authorizer (--authorization-mode
// Webhook) every call must also be allowed by it (auth-filter.ts), as the apiserver's kubelet
// client is and another node is not. Plaintext, or TLS without an authorizer, is for local
// development only.
import { answerUnary, startStream } from '../../../lib/grpc/panic-recovery';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { KubeletServiceService, type KubeletServiceServer, type Summary } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import { resourceMetricsText } from '../stats/resource-metrics';
import { logger } from '../../../lib/log';
import type { ContainerRuntime } from '../runtime/types';
import { serveAttach } from './attach';
import { authFilter } from './auth-filter';
import { serveExec } from './exec';
import { serveContainerLogs } from './logs';
import { servePortForward } from './port-forward';
import type { TargetContext } from './target';
import type { KubeletAuthorizer } from './webhook-authorizer';

const PROTO_ROOT = join(__dirname, '..', '..', '..', 'proto');
export const KUBELET_SERVICE_NAME = 'kite.kubelet.v1.KubeletService';

export interface KubeletServerOptions {
  bindAddress: string;
  /** 0 picks a free port. */
  port: number;
  runtime: ContainerRuntime;
  targets: TargetContext;
  tls?: { cert: Buffer; key: Buffer; clientCA?: Buffer };
  /** The stats collector's last Summary (stats/collector.ts). */
  summary: () => Summary;
  /** Authorizes every call for this node's name; needs tls.clientCA (callers are known by their certificates). */
  authorization?: { nodeName: string; authorizer: KubeletAuthorizer };
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
  if (o.authorization && !o.tls?.clientCA) {
    throw new Error('kubelet authorization (Webhook) needs TLS with a client CA (--tls-cert-file, --client-ca-file): callers are known by their client certificates');
  }
  const interceptors = o.authorization ? [authFilter({ ...o.authorization, log })] : [];
  const server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024, interceptors });
  // Whatever a handler throws ends its call, never the process (lib/grpc/panic-recovery).
  const impl: KubeletServiceServer = {
    containerLogs: (call) => startStream(`${KUBELET_SERVICE_NAME}/ContainerLogs`, call, () => serveContainerLogs(call, o.runtime, o.targets)),
    exec: (call) => startStream(`${KUBELET_SERVICE_NAME}/Exec`, call, () => serveExec(call, o.runtime, o.targets)),
    portForward: (call) => startStream(`${KUBELET_SERVICE_NAME}/PortForward`, call, () => servePortForward(call, o.runtime, o.targets)),
    attach: (call) => startStream(`${KUBELET_SERVICE_NAME}/Attach`, call, () => serveAttach(call, o.runtime, o.targets)),
    getSummary: (_call, callback) => answerUnary(`${KUBELET_SERVICE_NAME}/GetSummary`, callback, async () => o.summary()),
    getResourceMetrics: (_call, callback) => answerUnary(`${KUBELET_SERVICE_NAME}/GetResourceMetrics`, callback, async () => ({ text: resourceMetricsText(o.summary()) })),
  };
  server.addService(KubeletServiceService, impl);
  const definitions = loadSync(['kite/kubelet/v1/kubelet.proto', healthProtoPath], { includeDirs: [PROTO_ROOT] });
  new ReflectionService(definitions).addToServer(server);
  new HealthImplementation({ '': 'SERVING', [KUBELET_SERVICE_NAME]: 'SERVING' }).addToServer(server);
  if (!o.tls) log.warn('kubelet endpoint serves plaintext: for local development only');
  else if (!o.authorization) log.warn('kubelet endpoint authorizes nobody (--authorization-mode AlwaysAllow): every caller with a certificate from the client CA may exec and read logs; for local development only');
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${o.bindAddress}:${o.port}`, credentials(o.tls), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  log.info({ port, tls: !!o.tls, authorization: o.authorization ? 'Webhook' : 'AlwaysAllow' }, 'kubelet endpoint listening');
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
