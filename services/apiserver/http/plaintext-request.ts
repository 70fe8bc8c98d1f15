// A plaintext HTTP request on the front door's TLS port is answered as kube-apiserver's Go
// net/http server answers it: `400 Bad Request` with "Client sent an HTTP request to an HTTPS
// server." in plaintext, then the connection closed, so a client given `http://` for the HTTPS
// port (kubectl --server http://HOST:PORT) is told at once instead of retrying on a connection
// that closes without a word. OpenSSL recognizes the request's first bytes (GET, POST, HEAD, PUT)
// as ERR_SSL_HTTP_REQUEST; anything else that is not TLS is dropped, as Go drops it.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export const PLAINTEXT_ON_TLS_REPLY = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/** The server's tlsClientError listener. */
export function answerPlaintextRequest(err: Error & { code?: string }, tlsSocket: TLSSocket): void {
  if (err.code !== 'ERR_SSL_HTTP_REQUEST') return;
  // The TCP connection under the failed TLS socket (Node keeps it as the TLS socket's parent;
  // no handshake happened, so it still takes plaintext).
  const tcp = (tlsSocket as TLSSocket & { _parent?: Socket | null })._parent;
  if (tcp && !tcp.destroyed) tcp.end(PLAINTEXT_ON_TLS_REPLY);
}
