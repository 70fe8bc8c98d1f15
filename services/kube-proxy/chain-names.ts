// Chain names derived from a hash of the service port, exactly as kube-proxy derives them
// (sha256, base32, first 16 characters), so names are stable across restarts and match what
// people know from Kubernetes (default/kubernetes:https tcp -> KUBE-SVC-NPX46M4PTMTKRN6Y).
import { createHash } from 'node:crypto';

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 of the first bytes needed for `chars` characters. */
function base32Prefix(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
      if (out.length === chars) return out;
    }
  }
  return out;
}

/** Names are recomputed for every service on every sync; hashing dominated generation time. */
const cache = new Map<string, string>();
const cacheLimit = 200_000;

function hash16(text: string): string {
  let name = cache.get(text);
  if (name === undefined) {
    name = base32Prefix(createHash('sha256').update(text).digest(), 16);
    if (cache.size >= cacheLimit) cache.clear();
    cache.set(text, name);
  }
  return name;
}

/** "namespace/name" or "namespace/name:port" when the port is named, as kube-proxy prints it. */
export function servicePortName(namespace: string, name: string, port: string): string {
  return port ? `${namespace}/${name}:${port}` : `${namespace}/${name}`;
}

/** KUBE-SVC-<hash>: the load-balancing chain of one service port. */
export function serviceChainName(portName: string, protocol: string): string {
  return `KUBE-SVC-${hash16(portName + protocol.toLowerCase())}`;
}

/** KUBE-SEP-<hash>: the DNAT chain of one endpoint ("ip:port") of one service port. */
export function endpointChainName(portName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(portName + protocol.toLowerCase() + endpoint)}`;
}

/** KUBE-SVL-<hash>: the chain of the endpoints on this node, for Local traffic policies. */
export function localPolicyChainName(portName: string, protocol: string): string {
  return `KUBE-SVL-${hash16(portName + protocol.toLowerCase())}`;
}

/** KUBE-EXT-<hash>: where NodePort traffic goes before its traffic policy's chain. */
export function externalChainName(portName: string, protocol: string): string {
  return `KUBE-EXT-${hash16(portName + protocol.toLowerCase())}`;
}
