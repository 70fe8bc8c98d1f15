// Signing and verifying service-account JWTs (Kubernetes' pkg/serviceaccount jwt_test.go cases):
// RS256 and ES256 keys, lifetime with a minute of leeway, issuers, audiences, foreign keys and
// tampered tokens.
import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { tokenClaims, type TokenClaims } from '../../../../../services/apiserver/auth/serviceaccount/claims';
import { keyIdOf, publicKeysFromPEM, signingKeyFromPEM, type SigningKey } from '../../../../../services/apiserver/auth/serviceaccount/keys';
import { InvalidTokenError, TokenIssuer, TokenVerifier } from '../../../../../services/apiserver/auth/serviceaccount/token-signer';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const NOW = 1_800_000_000;

function keyPair(type: 'rsa' | 'ec'): { signing: SigningKey; publicPEM: string } {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    signing: signingKeyFromPEM(pair.privateKey.export({ type: 'pkcs8', format: 'pem' })),
    publicPEM: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const rsa = keyPair('rsa');
const ec = keyPair('ec');
const other = keyPair('ec');

const claims = (over: Partial<TokenClaims> = {}, issuer = ISSUER): TokenClaims => ({
  ...tokenClaims(issuer, { namespace: 'ns', name: 'sa', uid: 'sa-uid' }, { pod: { name: 'p', uid: 'p-uid' } }, 3600, [ISSUER], NOW),
  ...over,
});

const verifier = (publicPEM: string, at = NOW, extra: Partial<{ issuers: string[]; audiences: string[] }> = {}) =>
  new TokenVerifier({ issuers: [ISSUER, 'https://old.example'], keys: publicKeysFromPEM(publicPEM), audiences: [ISSUER], now: () => at * 1000, ...extra });

async function refusal(v: TokenVerifier, token: string): Promise<string> {
  try {
    await v.verify(token);
  } catch (err) {
    assert.ok(err instanceof InvalidTokenError, String(err));
    return err.message;
  }
  assert.fail('the token was accepted');
}

describe('service-account token signing and verification', () => {
  for (const [name, k] of [
    ['RS256', rsa],
    ['ES256', ec],
  ] as const) {
    it(`${name}: a token verifies with the public key and keeps its claims; the header names the algorithm and key id`, async () => {
      assert.equal(k.signing.alg, name);
      const token = await new TokenIssuer(ISSUER, k.signing).sign(claims());
      const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
      assert.deepEqual(header, { alg: name, kid: keyIdOf(publicKeysFromPEM(k.publicPEM)[0].key) });
      const v = verifier(k.publicPEM);
      assert.equal(v.isOurs(token), true);
      const got = await v.verify(token);
      assert.equal(got.sub, 'system:serviceaccount:ns:sa');
      assert.deepEqual(got['kubernetes.io'], { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'sa-uid' }, pod: { name: 'p', uid: 'p-uid' } });
      assert.deepEqual([got.iat, got.nbf, got.exp], [NOW, NOW, NOW + 3600]);
    });
  }

  it('accepts a token up to a minute past its expiry, then refuses it as expired', async () => {
    const token = await new TokenIssuer(ISSUER, ec.signing).sign(claims());
    await verifier(ec.publicPEM, NOW + 3600 + 59).verify(token);
    assert.equal(await refusal(verifier(ec.publicPEM, NOW + 3600 + 61), token), 'service account token has expired');
  });

  it('refuses a token that is not valid yet (nbf beyond the leeway)', async () => {
    const token = await new TokenIssuer(ISSUER, ec.signing).sign(claims({ nbf: NOW + 120, iat: NOW }));
    assert.equal(await refusal(verifier(ec.publicPEM), token), 'service account token is not valid yet');
  });

  it('refuses a token issued in the future', async () => {
    const token = await new TokenIssuer(ISSUER, ec.signing).sign(claims({ iat: NOW + 120, nbf: NOW }));
    assert.equal(await refusal(verifier(ec.publicPEM), token), 'service account token is issued in the future');
  });

  it('refuses a token signed by a key it does not know, and one of another algorithm', async () => {
    const token = await new TokenIssuer(ISSUER, other.signing).sign(claims());
    assert.match(await refusal(verifier(ec.publicPEM), token), /invalid signature/);
    const rsaToken = await new TokenIssuer(ISSUER, rsa.signing).sign(claims());
    assert.match(await refusal(verifier(ec.publicPEM), rsaToken), /invalid signature/);
  });

  it('verifies with any key of several (rotation), kid or not', async () => {
    const v = verifier(`${rsa.publicPEM}\n${ec.publicPEM}`);
    await v.verify(await new TokenIssuer(ISSUER, rsa.signing).sign(claims()));
    await v.verify(await new TokenIssuer(ISSUER, ec.signing).sign(claims()));
  });

  it('leaves tokens of other issuers (and non-JWTs) to other authenticators; accepts every configured issuer', async () => {
    const v = verifier(ec.publicPEM);
    assert.equal(v.isOurs(await new TokenIssuer('https://elsewhere', ec.signing).sign(claims({}, 'https://elsewhere'))), false);
    assert.equal(v.isOurs('abc123'), false);
    assert.equal(v.isOurs('a.b.c'), false);
    const old = await new TokenIssuer('https://old.example', ec.signing).sign(claims({}, 'https://old.example'));
    assert.equal(v.isOurs(old), true);
    await v.verify(old);
  });

  it('refuses a token for another audience with Kubernetes wording', async () => {
    const token = await new TokenIssuer(ISSUER, ec.signing).sign(claims({ aud: ['vault', 'other'] }));
    assert.equal(
      await refusal(verifier(ec.publicPEM), token),
      `token audiences ["vault" "other"] is invalid for the target audiences ["${ISSUER}"]`,
    );
    await verifier(ec.publicPEM, NOW, { audiences: ['other'] }).verify(token);
  });

  it('refuses a tampered token (claims changed after signing)', async () => {
    const token = await new TokenIssuer(ISSUER, ec.signing).sign(claims());
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload['kubernetes.io'].serviceaccount.name = 'admin';
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    assert.match(await refusal(verifier(ec.publicPEM), forged), /invalid signature/);
  });

  it('reads public keys from public and private PEM blocks and refuses files without any', () => {
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const keys = publicKeysFromPEM(`${priv}${rsa.publicPEM}`);
    assert.deepEqual(keys.map((k) => k.alg), ['ES384', 'RS256']);
    assert.throws(() => publicKeysFromPEM('nothing here'), /does not contain any valid RSA or ECDSA public keys/);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    assert.throws(() => signingKeyFromPEM(ed), /must be RSA or ECDSA/);
  });
});
