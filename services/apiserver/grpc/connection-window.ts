// The HTTP/2 connection-level flow-control window of the apiserver's gRPC sessions. HTTP/2 gives
// a connection 65,535 bytes in flight across all its streams until the receiver sends a
// WINDOW_UPDATE, and neither Node nor grpc-js' server raise it, so every upload on one connection
// (one grpc-js channel carries all of a client's calls) shared 64 KiB per event-loop round trip of
// the apiserver and the client: under CPU load a 3 MB create waited seconds behind other uploads,
// notably the rest of messages over --max-request-bytes, which grpc-js refuses on their first frame
// while its client keeps sending them whole (it does not reset a stream the server has ended).
// Each session is granted the windows of all its streams together (--http2-max-streams-per-connection
// x 64 KiB), as kube-apiserver sizes Go's HTTP/2 upload buffer per connection to its per-stream
// buffer times its concurrent streams. Per-stream windows stay at 64 KiB, and Node acknowledges
// connection-level data as it arrives, so this buffers nothing more.
import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

/** HTTP/2's initial stream window, which Node and grpc-js keep for every stream. */
export const STREAM_WINDOW_BYTES = 65_535;
/** HTTP/2's largest window (2^31 - 1). */
const MAX_WINDOW_BYTES = 2 ** 31 - 1;

/** The connection window that lets each of `maxStreams` streams fill its own window at once. */
export function connectionWindowBytes(maxStreams: number): number {
  return Math.min(MAX_WINDOW_BYTES, Math.max(1, maxStreams) * STREAM_WINDOW_BYTES);
}

const widened = new WeakSet<object>();

/**
 * Grants `bytes` of connection window to every session of the HTTP/2 servers `server` has made so
 * far (bindAsync, createConnectionInjector); call it after each. grpc-js has no option for the
 * server side's window and keeps those servers to itself (Server.http2Servers), the one place
 * this reads; a grpc-js without it fails here, at startup, rather than silently losing the window.
 */
export function widenConnectionWindows(server: Server, bytes: number): void {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server | Http2SecureServer, unknown> }).http2Servers;
  if (!(servers instanceof Map)) throw new Error('grpc-js Server keeps no http2Servers: cannot widen the HTTP/2 connection window of its sessions');
  for (const h2 of servers.keys()) {
    if (widened.has(h2)) continue;
    widened.add(h2);
    h2.on('session', (session: ServerHttp2Session) => {
      if (!session.destroyed) session.setLocalWindowSize(bytes);
    });
  }
}
