// Client certificates as identities, as Kubernetes reads them: the subject's CN is the user
// name and each O is a group. Only certificates the TLS layer verified against --client-ca-file
// reach here (grpc-js reports no certificate otherwise); one without the clientAuth usage is
// refused, like Kubernetes' verification with ExtKeyUsageClientAuth. The apiserver and the
// kubelet's endpoint both authenticate this way.
import type { PeerCertificate } from 'node:tls';

/** A user as Kubernetes' user.Info has it (the apiserver's UserInfo). */
export interface CertificateUser {
  name: string;
  uid: string;
  groups: string[];
}

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export type X509Result = { user: CertificateUser } | { error: string } | undefined;

export function userFromCertificate(cert: PeerCertificate | undefined): X509Result {
  if (!cert?.raw) return undefined;
  const subject = (cert.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  const cn = list(subject.CN)[0];
  if (!cn) return { error: 'the client certificate has no common name (CN), which names the user' };
  if (cert.ext_key_usage && !cert.ext_key_usage.includes(CLIENT_AUTH_OID)) {
    return { error: 'the client certificate is not valid for client authentication (extended key usage lacks clientAuth)' };
  }
  return { user: { name: cn, uid: '', groups: list(subject.O) } };
}
