// Why a client could not connect to the apiserver, in words that name the fix. grpc-js reports a
// TLS client talking to a plaintext server as OpenSSL's "wrong version number" (the server's
// HTTP/2 frames are no TLS record), and a plaintext client talking to a TLS server only as
// "Failed to connect" (the server's TLS bytes are no HTTP/2): a TLS handshake with the server
// then tells which. Used by every component's Clientset.waitForReady and by kitectl, as
// client-go's transport errors ("http: server gave HTTP response to HTTPS client") tell kubectl's
// users what the server speaks.
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionConfig } from './kubeconfig';

export type ConnectionFailureCause =
  /** A TLS client, a server that does not speak TLS. */
  | 'plaintext-server'
  /** A plaintext client, a server that speaks TLS. */
  | 'tls-server'
  /** TLS on both sides, the server's certificate not trusted or not for this name. */
  | 'certificate'
  | 'other';

export interface ConnectionFailure {
  cause: ConnectionFailureCause;
  message: string;
}

/** OpenSSL's errors for a TLS client reading bytes that are not a TLS record. */
const NOT_TLS = /wrong version number|packet length too long|http request|unknown protocol/i;
const CERTIFICATE = /certificate|self.signed|altnames|SSL|TLS/i;
/** Network errors that say nothing about what the server speaks. */
const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET/;
const TLS_DIAL_TIMEOUT_MS = 2000;

/** host and port of "host:port" / "[v6]:port" (port undefined when absent), without brackets. */
export function splitAddress(address: string): { host: string; port: number | undefined } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  return m ? { host: m[1], port: m[2] ? Number(m[2]) : undefined } : { host: address, port: undefined };
}

/** Whether a TLS handshake with the server succeeds (its certificate unchecked: only what it speaks matters). */
export function speaksTls(address: string): Promise<boolean> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port: port ?? 443, rejectUnauthorized: false, ALPNProtocols: ['h2'], timeout: TLS_DIAL_TIMEOUT_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * The failure grpc-js reported (`detail`: its last connection error) for a client with `cfg`, said
 * so that a TLS mismatch names the fix: `--server http://HOST:PORT` or a context without
 * certificate-authority for a plaintext server, an https:// address with the cluster's CA for a
 * TLS one.
 */
export async function describeConnectionFailure(cfg: Pick<ConnectionConfig, 'address' | 'tls'>, detail: string): Promise<ConnectionFailure> {
  const at = cfg.address;
  if (cfg.tls && NOT_TLS.test(detail)) {
    return { cause: 'plaintext-server', message: `the server at ${at} does not speak TLS (${openSslReason(detail)}): use --server http://${at} or a context without certificate-authority` };
  }
  if (cfg.tls && CERTIFICATE.test(detail)) {
    return { cause: 'certificate', message: `${detail} (TLS: check certificate-authority-data and the server name, or tls-server-name, in the config)` };
  }
  if (!cfg.tls && !UNREACHABLE.test(detail) && (await speaksTls(at))) {
    return { cause: 'tls-server', message: `the server at ${at} speaks TLS and this client does not: use --server https://${at} with the cluster's certificate-authority, or a context with certificate-authority-data` };
  }
  return { cause: 'other', message: cfg.tls ? detail : `${detail} (if the apiserver serves TLS, use an https:// server address and its CA)` };
}

/** "SSL routines: wrong version number" out of OpenSSL's "803C...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:". */
function openSslReason(detail: string): string {
  const m = /error:[0-9A-F]+:(SSL routines):[^:]*:([^:]+):/.exec(detail);
  return m ? `${m[1]}: ${m[2]}` : detail.trim();
}
