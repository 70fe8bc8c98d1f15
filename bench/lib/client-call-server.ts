// The bench:client server: a trivial grpc-js server of Kite's generated PodService in a process of
// its own (so its CPU is not the client's), answering GetPod, CreatePod and BindPod at once with a
// fixed, scheduled pod, as the apiserver would answer them. It sends its address over IPC.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { PodServiceService, type BindPodRequest, type CreatePodRequest } from '../../lib/gen/kite/core/v1/services';
import { Pod } from '../../lib/gen/kite/core/v1/types';
import { benchPod } from './api-client-worker';

/** The reply to every call: the pod a get returns once it is scheduled and running. */
export function scheduledPod(): Pod {
  const pod = benchPod('bench', 0);
  pod.metadata!.uid = '6f1c2a3e-0d7b-4c5e-9a1f-2b3c4d5e6f70';
  pod.metadata!.resourceVersion = '12345';
  pod.metadata!.creationTimestamp = '2026-01-01T00:00:00Z';
  pod.spec!.nodeName = 'hollow-node-0';
  pod.status = Pod.fromPartial({ status: { phase: 'Running', podIP: '10.244.0.5', hostIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] } }).status;
  return pod;
}

function run(): void {
  const pod = scheduledPod();
  const server = new Server({ 'grpc.enable_channelz': 0 });
  server.addService(PodServiceService, {
    getPod: (_call: unknown, cb: (err: null, res: Pod) => void) => cb(null, pod),
    createPod: (call: { request: CreatePodRequest }, cb: (err: null, res: Pod) => void) => cb(null, { ...call.request.pod!, metadata: pod.metadata }),
    bindPod: (_call: { request: BindPodRequest }, cb: (err: null, res: Pod) => void) => cb(null, pod),
  } as never);
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.send!({ address: `127.0.0.1:${port}` });
  });
  process.on('SIGTERM', () => server.forceShutdown());
}

if (require.main === module) run();
