// kube-apiserver's service-account token flags, checked and turned into the two halves they
// configure: the TokenRequest handler (needs --service-account-signing-key-file; the first
// --service-account-issuer issues) and the bearer-token authenticator (accepts every issuer and
// every --service-account-key-file key, by default the signing key's public half). Neither
// exists when no issuer is given.
import { createPublicKey } from 'node:crypto';
import * as K from '../../../../lib/api/kinds';
import type { KindInfo } from '../../../../lib/api/kinds';
import type { Registry } from '../../registry/registry';
import { readSigningKey, readVerificationKeys, verificationKeyOf } from './keys';
import { ServiceAccountTokenAuthenticator } from './token-authenticator';
import { TokenRequests } from './token-request';
import { TokenIssuer, TokenVerifier } from './token-signer';

export interface ServiceAccountFlags {
  /** --service-account-issuer (repeatable): the first issues, all are accepted. */
  serviceAccountIssuers: string[];
  /** --service-account-signing-key-file: RSA or ECDSA private key (PEM). */
  serviceAccountSigningKeyFile?: string;
  /** --service-account-key-file (repeatable): PEM keys that verify tokens. */
  serviceAccountKeyFiles: string[];
  /** --api-audiences (default: the issuers). */
  apiAudiences: string[];
  /** --service-account-max-token-expiration in seconds (0: none). */
  serviceAccountMaxTokenExpirationSeconds: number;
}

export const DEFAULT_SERVICE_ACCOUNT_FLAGS: ServiceAccountFlags = {
  serviceAccountIssuers: [],
  serviceAccountKeyFiles: [],
  apiAudiences: [],
  serviceAccountMaxTokenExpirationSeconds: 0,
};

export interface ServiceAccountTokens {
  authenticator: ServiceAccountTokenAuthenticator;
  /** Absent without a signing key: tokens are verified but not issued. */
  tokenRequests?: TokenRequests;
  audiences: string[];
}

/** The flag errors kube-apiserver reports, worded as it does; empty when the flags are consistent. */
export function validateServiceAccountFlags(f: ServiceAccountFlags): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const issuer of f.serviceAccountIssuers) {
    if (issuer === '') {
      errors.push('service-account-issuer should not be an empty string');
      continue;
    }
    if (issuer.includes(':') && !URL.canParse(issuer)) {
      errors.push(`service-account-issuer ${JSON.stringify(issuer)} contained a ':' but was not a valid URL`);
      continue;
    }
    if (seen.has(issuer)) errors.push(`service-account-issuer ${JSON.stringify(issuer)} is already specified`);
    seen.add(issuer);
  }
  const configured = !!f.serviceAccountSigningKeyFile || f.serviceAccountKeyFiles.length > 0;
  if (configured && f.serviceAccountIssuers.length === 0) errors.push('service-account-issuer is a required flag');
  if (f.serviceAccountIssuers.length > 0 && !configured) errors.push('service-account-key-file is a required flag');
  const max = f.serviceAccountMaxTokenExpirationSeconds;
  if (max !== 0 && (max < 3600 || max > 2 ** 32)) errors.push('the service-account-max-token-expiration must be between 1 hour and 2^32 seconds');
  return errors;
}

type RegistryOf = <T extends K.KubeObject>(kind: KindInfo<T>) => Registry<T>;

export function setupServiceAccountTokens(f: ServiceAccountFlags, registry: RegistryOf, now: () => number = Date.now): ServiceAccountTokens | undefined {
  const errors = validateServiceAccountFlags(f);
  if (errors.length) throw new Error(errors.join('; '));
  if (f.serviceAccountIssuers.length === 0) return undefined;
  const signing = f.serviceAccountSigningKeyFile ? readSigningKey(f.serviceAccountSigningKeyFile) : undefined;
  const keys = f.serviceAccountKeyFiles.length ? f.serviceAccountKeyFiles.flatMap(readVerificationKeys) : [verificationKeyOf(createPublicKey(signing!.key))];
  const audiences = f.apiAudiences.length ? f.apiAudiences : f.serviceAccountIssuers;
  const serviceAccounts = registry(K.ServiceAccounts);
  const pods = registry(K.Pods);
  const secrets = registry(K.Secrets);
  const nodes = registry(K.Nodes);
  const authenticator = new ServiceAccountTokenAuthenticator(
    new TokenVerifier({ issuers: f.serviceAccountIssuers, keys, audiences, now }),
    {
      serviceAccount: (ns, name) => serviceAccounts.cached(ns, name),
      pod: (ns, name) => pods.cached(ns, name),
      secret: (ns, name) => secrets.cached(ns, name),
    },
    now,
  );
  const tokenRequests = signing
    ? new TokenRequests(
        { issuer: new TokenIssuer(f.serviceAccountIssuers[0], signing), audiences, maxExpirationSeconds: f.serviceAccountMaxTokenExpirationSeconds, now },
        {
          serviceAccount: (ns, name) => serviceAccounts.get(ns, name),
          pod: (ns, name) => pods.get(ns, name),
          secret: (ns, name) => secrets.get(ns, name),
          cachedNode: (name) => nodes.cached('', name),
        },
      )
    : undefined;
  return { authenticator, tokenRequests, audiences };
}
