// A hollow node's kubelet endpoint, for its stats only: GetSummary and GetResourceMetrics (the
// other KubeletService calls answer UNIMPLEMENTED, grpc-js' answer for methods left out: hollow pods have no containers to stream
// from). Plaintext on loopback, authorizing nobody: hollow nodes are for tests and benchmarks on
// one machine, as kwok's nodes all answer on the kwok controller's address.
import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { answerUnary } from '../../../lib/grpc/panic-recovery';
import { KubeletServiceService, type Summary } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import { resourceMetricsText } from '../stats/resource-metrics';

export interface StatsServer {
  port: number;
  stop(): void;
}

const METHOD = 'kite.kubelet.v1.KubeletService';

export async function startStatsServer(host: string, summary: () => Summary): Promise<StatsServer> {
  const server = new Server();
  const impl: UntypedServiceImplementation = {
    getSummary: (_call: unknown, callback: Parameters<typeof answerUnary<Summary>>[1]) => answerUnary(`${METHOD}/GetSummary`, callback, async () => summary()),
    getResourceMetrics: (_call: unknown, callback: Parameters<typeof answerUnary<{ text: string }>>[1]) =>
      answerUnary(`${METHOD}/GetResourceMetrics`, callback, async () => ({ text: resourceMetricsText(summary()) })),
  };
  server.addService(KubeletServiceService, impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { port, stop: () => server.forceShutdown() };
}
