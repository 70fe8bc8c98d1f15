// kube-apiserver's service-account flags: their errors in its words, the API audiences defaulting
// to the issuers, and the verifying keys defaulting to the signing key's public half.
import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SERVICE_ACCOUNT_FLAGS, setupServiceAccountTokens, validateServiceAccountFlags, type ServiceAccountFlags } from '../../../../../services/apiserver/auth/serviceaccount/service-accounts';

const flags = (f: Partial<ServiceAccountFlags>): ServiceAccountFlags => ({ ...DEFAULT_SERVICE_ACCOUNT_FLAGS, ...f });

describe('service-account flags', () => {
  it("refuses inconsistent flags with kube-apiserver's messages", () => {
    assert.deepEqual(validateServiceAccountFlags(flags({})), []);
    assert.deepEqual(validateServiceAccountFlags(flags({ serviceAccountSigningKeyFile: 'sa.key' })), ['service-account-issuer is a required flag']);
    assert.deepEqual(validateServiceAccountFlags(flags({ serviceAccountIssuers: ['https://a'] })), ['service-account-key-file is a required flag']);
    assert.deepEqual(validateServiceAccountFlags(flags({ serviceAccountIssuers: ['https://a', '', 'https://a', 'http://[::1'], serviceAccountKeyFiles: ['sa.pub'] })), [
      'service-account-issuer should not be an empty string',
      'service-account-issuer "https://a" is already specified',
      `service-account-issuer "http://[::1" contained a ':' but was not a valid URL`,
    ]);
    for (const seconds of [59, 3599, 2 ** 32 + 1]) {
      assert.deepEqual(validateServiceAccountFlags(flags({ serviceAccountIssuers: ['https://a'], serviceAccountKeyFiles: ['k'], serviceAccountMaxTokenExpirationSeconds: seconds })), [
        'the service-account-max-token-expiration must be between 1 hour and 2^32 seconds',
      ]);
    }
  });

  it('without an issuer there are no service-account tokens; with one, the audiences default to the issuers and the keys to the signing key', async () => {
    const none = setupServiceAccountTokens(flags({}), () => {
      throw new Error('no registry needed');
    });
    assert.equal(none, undefined);
    const dir = mkdtempSync(join(tmpdir(), 'kite-sa-flags-'));
    try {
      const key = join(dir, 'sa.key');
      writeFileSync(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }));
      const registry = (() => ({ cached: () => undefined, get: async () => undefined })) as never;
      const sa = setupServiceAccountTokens(flags({ serviceAccountIssuers: ['https://first', 'https://second'], serviceAccountSigningKeyFile: key }), registry)!;
      assert.deepEqual(sa.audiences, ['https://first', 'https://second']);
      assert.ok(sa.tokenRequests);
      assert.throws(() => setupServiceAccountTokens(flags({ serviceAccountIssuers: ['https://a'], serviceAccountSigningKeyFile: join(dir, 'missing') }), registry), /failed to parse service-account-issuer-key-file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
