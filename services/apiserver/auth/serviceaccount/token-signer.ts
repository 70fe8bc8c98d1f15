// Signing and verifying service-account JWTs with jose, as Kubernetes' pkg/serviceaccount/jwt.go
// does with go-jose: the issuer signs with one private key (the kid header names it); the
// verifier accepts tokens of any of its issuers (--service-account-issuer, all of them) signed
// by any of its public keys (--service-account-key-file), checks exp, nbf and iat with one
// minute of leeway (go-jose's DefaultLeeway), and that the token is for one of the apiserver's
// audiences (--api-audiences). Errors carry Kubernetes' wording.
import { SignJWT, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { SigningKey, VerificationKey } from './keys';
import type { TokenClaims } from './claims';

/** go-jose's DefaultLeeway, in seconds. */
export const LEEWAY_SECONDS = 60;

export class TokenIssuer {
  constructor(
    readonly issuer: string,
    private readonly signing: SigningKey,
  ) {}

  sign(claims: TokenClaims): Promise<string> {
    return new SignJWT({ ...claims }).setProtectedHeader({ alg: this.signing.alg, kid: this.signing.kid }).sign(this.signing.key);
  }
}

/** A token that is ours (our issuer, a JWT) but not valid; the message says why. */
export class InvalidTokenError extends Error {}

export interface VerifierOptions {
  issuers: string[];
  keys: VerificationKey[];
  /** The audiences a token must have one of (the apiserver's --api-audiences). */
  audiences: string[];
  /** Wall-clock milliseconds (Date.now by default). */
  now?: () => number;
}

/** Go's %q of a []string: ["a" "b"]. */
const quoted = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

export class TokenVerifier {
  private readonly now: () => number;

  constructor(private readonly opts: VerifierOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Is this a JWT from one of our issuers? Others are left to other authenticators (Kubernetes' hasCorrectIssuer). */
  isOurs(token: string): boolean {
    if (token.split('.').length !== 3) return false;
    try {
      const iss = decodeJwt(token).iss;
      return typeof iss === 'string' && this.opts.issuers.includes(iss);
    } catch {
      return false;
    }
  }

  /** The claims of a valid token; throws InvalidTokenError with the reason otherwise. Call isOurs first. */
  async verify(token: string): Promise<TokenClaims> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch (err) {
      throw new InvalidTokenError((err as Error).message);
    }
    const byKid = this.opts.keys.filter((k) => k.kid === header.kid && k.alg === header.alg);
    const candidates = byKid.length ? byKid : this.opts.keys.filter((k) => k.alg === header.alg);
    const currentDate = new Date(this.now());
    for (const k of candidates) {
      try {
        const { payload } = await jwtVerify(token, k.key, {
          algorithms: [k.alg],
          issuer: this.opts.issuers,
          clockTolerance: LEEWAY_SECONDS,
          currentDate,
          requiredClaims: ['exp', 'sub'],
        });
        return this.validate(payload as unknown as TokenClaims, currentDate.getTime() / 1000);
      } catch (err) {
        if (err instanceof joseErrors.JWSSignatureVerificationFailed) continue;
        if (err instanceof joseErrors.JWTExpired) throw new InvalidTokenError('service account token has expired');
        if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf') throw new InvalidTokenError('service account token is not valid yet');
        if (err instanceof InvalidTokenError) throw err;
        throw new InvalidTokenError((err as Error).message);
      }
    }
    throw new InvalidTokenError('invalid signature: no --service-account-key-file key verifies the token');
  }

  private validate(claims: TokenClaims, nowSeconds: number): TokenClaims {
    if (typeof claims.iat === 'number' && claims.iat > nowSeconds + LEEWAY_SECONDS) throw new InvalidTokenError('service account token is issued in the future');
    const k = claims['kubernetes.io'];
    if (!k || typeof k.namespace !== 'string' || !k.serviceaccount?.name) throw new InvalidTokenError('service account token claims could not be validated: missing kubernetes.io claim');
    // A token without audiences is for the apiserver's own (Kubernetes' legacy tokens).
    const given = typeof claims.aud === 'string' ? [claims.aud] : claims.aud ?? [];
    const tokenAudiences = given.length ? given : this.opts.audiences;
    if (this.opts.audiences.length && !tokenAudiences.some((a) => this.opts.audiences.includes(a))) {
      throw new InvalidTokenError(`token audiences ${quoted(tokenAudiences)} is invalid for the target audiences ${quoted(this.opts.audiences)}`);
    }
    return claims;
  }
}
