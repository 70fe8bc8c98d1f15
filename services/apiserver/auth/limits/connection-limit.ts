// Connections per peer. grpc-js has no hook on the connections it accepts, so the apiserver owns
// its listening socket and hands each accepted connection to grpc-js (Server.createConnectionInjector,
// which then runs TLS and HTTP/2 on it as bindAsync would). A peer address that already holds
// --max-connections-per-peer connections has further ones closed at once, before any TLS
// handshake: a stranger cannot make the server keep an unbounded number of sessions.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server, ServerCredentials } from '@grpc/grpc-js';
import { logger } from '../../../../lib/log';

export interface PeerLimitedListener {
  port: number;
  /** Connections refused so far because their peer was at the limit. */
  readonly refused: number;
  /** Stops accepting connections (grpc-js' shutdown ends the open ones). */
  close(): void;
}

/** Counts connections per peer address; `admit` says whether one more may open. */
export class PeerConnections {
  private readonly open = new Map<string, number>();

  constructor(private readonly maxPerPeer: number) {}

  /** Takes a slot for `peer`; returns its release, or undefined when the peer is at the limit (0: no limit). */
  admit(peer: string): (() => void) | undefined {
    const n = this.open.get(peer) ?? 0;
    if (this.maxPerPeer > 0 && n >= this.maxPerPeer) return undefined;
    this.open.set(peer, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(peer) ?? 1) - 1;
      if (left === 0) this.open.delete(peer);
      else this.open.set(peer, left);
    };
  }

  count(peer: string): number {
    return this.open.get(peer) ?? 0;
  }
}

/** Listens on host:port (0: any free port) and serves gRPC on every connection a peer is allowed. */
export function listenWithPeerLimit(server: Server, credentials: ServerCredentials, host: string, port: number, maxPerPeer: number): Promise<PeerLimitedListener> {
  const log = logger('apiserver');
  const injector = server.createConnectionInjector(credentials);
  const peers = new PeerConnections(maxPerPeer);
  let refused = 0;
  let warned = false;
  const net: NetServer = createServer((socket: Socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    const release = peers.admit(peer);
    if (!release) {
      refused++;
      if (!warned) log.warn({ peer, maxConnectionsPerPeer: maxPerPeer }, 'refusing connections from a peer at its connection limit');
      warned = true;
      socket.destroy();
      return;
    }
    socket.once('close', release);
    socket.on('error', () => undefined);
    injector.injectConnection(socket);
  });
  return new Promise((resolve, reject) => {
    net.once('error', reject);
    net.listen(port, host, () => {
      net.off('error', reject);
      resolve({
        port: (net.address() as AddressInfo).port,
        get refused() {
          return refused;
        },
        close: () => void net.close(),
      });
    });
  });
}
