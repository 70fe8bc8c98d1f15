// TLS serving credentials from kube-apiserver's flags. With a client CA the server asks every
// client for a certificate but does not require one (token-only clients must still connect);
// a certificate counts as an identity only when the TLS layer verified it against that CA
// (grpc-js then exposes it through call.getAuthContext()).
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { experimental, type ServerCredentials } from '@grpc/grpc-js';

export interface TLSFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle that signs client certificates (--client-ca-file). */
  clientCAFile?: string;
}

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${flag} ${path}: ${(err as Error).message}`);
  }
}

/**
 * Keys and certificates handed to grpc-js once, at start-up (an in-memory certificate provider).
 * Listeners are called on the next microtask: grpc-js registers its own watcher only after
 * subscribing to the provider, and would miss a synchronous update.
 */
class StaticCertificates implements experimental.CertificateProvider {
  constructor(
    private readonly identity: experimental.IdentityCertificateUpdate,
    private readonly ca: experimental.CaCertificateUpdate | null,
  ) {}
  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    queueMicrotask(() => listener(this.ca));
  }
  removeCaCertificateListener(): void {}
  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    queueMicrotask(() => listener(this.identity));
  }
  removeIdentityCertificateListener(): void {}
}

export function serverCredentials(files: TLSFiles): ServerCredentials {
  const cert = readFlagFile(files.certFile, '--tls-cert-file');
  const key = readFlagFile(files.keyFile, '--tls-private-key-file');
  const ca = files.clientCAFile ? readFlagFile(files.clientCAFile, '--client-ca-file') : undefined;
  try {
    createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new Error(`invalid TLS files (${files.certFile}, ${files.keyFile}${ca ? `, ${files.clientCAFile}` : ''}): ${(err as Error).message}`);
  }
  const provider = new StaticCertificates({ certificate: cert, privateKey: key }, ca ? { caCertificate: ca } : null);
  // The provider serves both roles. With a CA provider grpc-js sets requestCert; passing
  // requireClientCertificate=false keeps rejectUnauthorized off, so clients without a
  // certificate (or with one we do not trust) still complete the handshake and can use a token.
  return experimental.createCertificateProviderServerCredentials(provider, ca ? provider : null, false);
}
