// How the HTTP front door (services/apiserver/http/) hands a caller's credentials to the gRPC
// gate it translates every request into. A bearer token travels as it came (the `authorization`
// metadata); a TLS client certificate cannot (the front door's internal call has no TLS peer), so
// its DER bytes travel in a metadata entry, with the caller's address and user agent for the audit
// record. The gate believes those entries only on a call that also carries this process's random
// secret (32 bytes, compared in constant time), which only the front door knows: an external gRPC
// caller that sends them is authenticated as if it had not (kube-apiserver's requestheader
// authenticator trusts its front proxy the same way, through a client CA only the proxy holds).
import { randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { Metadata } from '@grpc/grpc-js';

export const FRONT_DOOR_SECRET = 'kite-front-door-secret-bin';
export const FORWARDED_CERTIFICATE = 'kite-forwarded-client-certificate-bin';
export const FORWARDED_FOR = 'kite-forwarded-for';
export const FORWARDED_USER_AGENT = 'kite-forwarded-user-agent';

/** What the front door vouches for about the HTTP caller of a call. */
export interface ForwardedCaller {
  /** The client certificate the HTTP listener's TLS layer verified against --client-ca-file. */
  certificate?: PeerCertificate;
  /** The caller's address (the audit record's sourceIP). */
  peer?: string;
  userAgent?: string;
}

const list = (v: string) => v.split('\n').filter(Boolean);

/** The fields of Node's PeerCertificate that userFromCertificate reads, from DER bytes. */
export function peerCertificateOf(der: Buffer): PeerCertificate {
  const x509 = new X509Certificate(der);
  const subject: Record<string, string | string[]> = {};
  for (const line of list(x509.subject)) {
    const i = line.indexOf('=');
    const key = line.slice(0, i);
    const value = line.slice(i + 1);
    const prev = subject[key];
    subject[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  const usage = x509.keyUsage;
  return { raw: der, subject, ...(usage ? { ext_key_usage: usage } : {}) } as unknown as PeerCertificate;
}

/** Parsed forwarded certificates kept (most callers are a few kubeconfig identities). */
const PARSED_CERTIFICATES = 256;

export class FrontDoorTrust {
  private readonly secret = randomBytes(32);
  /** DER (base64) -> its parse: X.509 parsing cost about a millisecond a call, twice per call. */
  private readonly parsed = new Map<string, PeerCertificate>();

  /** Metadata for one internal call on behalf of a caller (certificate: DER, only if verified). */
  metadata(caller: { certificate?: Buffer; peer?: string; userAgent?: string }): Metadata {
    const md = new Metadata();
    md.set(FRONT_DOOR_SECRET, this.secret);
    if (caller.certificate) md.set(FORWARDED_CERTIFICATE, caller.certificate);
    if (caller.peer) md.set(FORWARDED_FOR, asciiText(caller.peer));
    if (caller.userAgent !== undefined) md.set(FORWARDED_USER_AGENT, asciiText(caller.userAgent));
    return md;
  }

  /** What a call's metadata forwards, when the call carries this process's secret; otherwise undefined. */
  forwarded(metadata: Metadata): ForwardedCaller | undefined {
    const presented = metadata.get(FRONT_DOOR_SECRET);
    if (presented.length !== 1) return undefined;
    const given = presented[0];
    if (!Buffer.isBuffer(given) || given.length !== this.secret.length || !timingSafeEqual(given, this.secret)) return undefined;
    const der = metadata.get(FORWARDED_CERTIFICATE)[0];
    const peer = metadata.get(FORWARDED_FOR)[0];
    const userAgent = metadata.get(FORWARDED_USER_AGENT)[0];
    return {
      ...(Buffer.isBuffer(der) ? { certificate: this.certificate(der) } : {}),
      ...(peer !== undefined ? { peer: String(peer) } : {}),
      ...(userAgent !== undefined ? { userAgent: String(userAgent) } : {}),
    };
  }

  private certificate(der: Buffer): PeerCertificate {
    const key = der.toString('base64');
    let cert = this.parsed.get(key);
    if (!cert) {
      cert = peerCertificateOf(der);
      if (this.parsed.size >= PARSED_CERTIFICATES) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(key, cert);
    }
    return cert;
  }
}

/** Text metadata holds printable ASCII only. */
function asciiText(s: string): string {
  return s.replace(/[^ -~]/g, '?');
}
