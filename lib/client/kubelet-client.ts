// How the apiserver reaches a pod's kubelet for logs and exec: the node's InternalIP and the port
// it registered in status.daemonEndpoints.kubeletEndpoint, and a typed client for it.
import type { ChannelCredentials } from '@grpc/grpc-js';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import type { Node } from '../gen/kite/core/v1/types';
import { KubeletServiceClient } from '../gen/kite/kubelet/v1/kubelet';

/** "10.0.0.5:10250", or undefined when the node has not reported an address or port. */
export function kubeletAddress(node: Node): string | undefined {
  const ip = node.status?.addresses.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) return undefined;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * A client for the node's kubelet; plaintext unless credentials are given. `serverName` is the
 * name to verify the kubelet's certificate against when it differs from the address. Close it
 * when done.
 */
export function kubeletClient(address: string, credentials: ChannelCredentials = grpcCredentials.createInsecure(), serverName?: string): KubeletServiceClient {
  const options: Record<string, unknown> = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
  if (serverName) options['grpc.ssl_target_name_override'] = serverName;
  return new KubeletServiceClient(address, credentials, options);
}
