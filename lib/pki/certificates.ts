// X.509 certificates for a cluster: a CA, server certificates (DNS and IP SANs) and client
// certificates whose subject carries the identity the apiserver reads (CN = user, O = groups),
// as Kubernetes does. Keys are ECDSA P-256 (fast to generate, supported by every TLS stack);
// everything goes in and out as PEM.
import { X509Certificate as NodeX509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;

/** A certificate and its private key, both PEM. */
export interface CertKeyPair {
  cert: string;
  key: string;
}

export interface CertificateOptions {
  commonName: string;
  /** Subject O= entries (groups, for client certificates). */
  organizations?: string[];
  /** Subject alternative names: DNS names and IP addresses (either kind, sorted out here). */
  altNames?: string[];
  /** What the certificate may be used for. */
  usage: 'server' | 'client' | 'server-and-client';
  /** Validity; defaults: from one hour ago (clock skew) for 365 days. */
  notBefore?: Date;
  notAfter?: Date;
}

function serialNumber(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

function subject(commonName: string, organizations: string[] = []): x509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Imports a PEM private key (EC P-256/P-384 or RSA, PKCS#1, SEC1 or PKCS#8) for signing. */
async function importSigningKey(pem: string): Promise<{ key: CryptoKey; alg: webcrypto.Algorithm | webcrypto.EcdsaParams }> {
  const k = createPrivateKey(pem);
  const der = k.export({ format: 'der', type: 'pkcs8' });
  if (k.asymmetricKeyType === 'ec') {
    const curve = k.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
    const hash = curve === 'P-384' ? 'SHA-384' : 'SHA-256';
    const key = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, false, ['sign']);
    return { key, alg: { name: 'ECDSA', hash } as webcrypto.EcdsaParams };
  }
  if (k.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await crypto.subtle.importKey('pkcs8', der, alg, false, ['sign']), alg };
  }
  throw new Error(`unsupported CA key type ${k.asymmetricKeyType}: use an EC or RSA key`);
}

/** Creates a self-signed certificate authority valid for `days` (default 10 years). */
export async function createCA(commonName = 'kite-ca', days = 3650): Promise<CertKeyPair> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subject(commonName),
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: EC_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyToPem(keys.privateKey) };
}

/** Issues a certificate signed by `ca`, with a fresh key. */
export async function issueCertificate(ca: CertKeyPair, opts: CertificateOptions): Promise<CertKeyPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const signer = await importSigningKey(ca.key);
  const keys = await generateKeys();
  const now = Date.now();
  const usages: string[] = [];
  if (opts.usage !== 'client') usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (opts.usage !== 'server') usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  const alt = opts.altNames ?? [];
  if (alt.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(alt.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subject(opts.commonName, opts.organizations),
    issuer: caCert.subjectName,
    notBefore: opts.notBefore ?? new Date(now - 3600_000),
    notAfter: opts.notAfter ?? new Date(now + 365 * DAY_MS),
    signingAlgorithm: signer.alg,
    publicKey: keys.publicKey,
    signingKey: signer.key,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await keyToPem(keys.privateKey) };
}

/** A client certificate for a user (CN) in groups (O). */
export function issueClientCertificate(ca: CertKeyPair, user: string, groups: string[] = [], validity: { notBefore?: Date; notAfter?: Date } = {}): Promise<CertKeyPair> {
  return issueCertificate(ca, { commonName: user, organizations: groups, usage: 'client', ...validity });
}

/** A serving certificate covering the given DNS names and IPs. */
export function issueServerCertificate(ca: CertKeyPair, commonName: string, altNames: string[]): Promise<CertKeyPair> {
  return issueCertificate(ca, { commonName, altNames, usage: 'server' });
}

/** A SAN in comparable form: IPv6 addresses compressed ("0:0:0:0:0:0:0:1" -> "::1"). */
export function canonicalName(name: string): string {
  return isIP(name) === 6 ? new URL(`http://[${name}]`).hostname.slice(1, -1) : name;
}

/** What a PEM certificate says: subject CN and O, SANs, validity. For logs, tests and `kite`. */
export function describeCertificate(pem: string): { commonName: string; organizations: string[]; altNames: string[]; notBefore: Date; notAfter: Date; issuer: string } {
  const c = new NodeX509Certificate(pem);
  const fields = c.subject.split('\n');
  const pick = (k: string) => fields.filter((f) => f.startsWith(`${k}=`)).map((f) => f.slice(k.length + 1).replace(/\\(.)/g, '$1'));
  const altNames = (c.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => canonicalName(s.replace(/^(DNS|IP Address):/, '')));
  return {
    commonName: pick('CN')[0] ?? '',
    organizations: pick('O'),
    altNames,
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    issuer: c.issuer,
  };
}
