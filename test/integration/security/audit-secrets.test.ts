// The audit log never carries a Secret's data: Kite's audit records are metadata only (who, what,
// the decision, the code and the error message, Kubernetes' Metadata level, the only one Kite
// has), and no error message about a Secret quotes its values. Every verb on secrets, failed
// ones included, is audited without any value, in plaintext or base64.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Secret } from '../../../lib/gen/kite/core/v1/types';
import type { AuditEvent } from '../../../services/apiserver/auth/audit/audit-log';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

/** A value recognisable from its first 8 characters (error messages may quote short excerpts). */
const marker = () => `M${randomBytes(12).toString('hex')}`;

describe('security: the audit log and Secret data', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  before(async () => {
    s = await startSecureApiserver({ audit: true });
  });
  after(() => s?.stop());

  it('records every verb on secrets, refused ones too, and no value of any Secret', async () => {
    const admin = await s.admin();
    const values = Array.from({ length: 8 }, marker);
    const [created, fromStringData, dockerJson, updated, merged, jsonPatched, malformed, immutable] = values;
    const secret = (name: string, extra: Partial<Secret>) => Secret.fromPartial({ metadata: { name, namespace: 'default' }, ...extra });

    const abort = new AbortController();
    const watch = admin.secrets.watch({ namespace: 'default' }, abort.signal);
    const s1 = await admin.secrets.create(secret('audited', { data: { password: Buffer.from(created) }, stringData: { token: fromStringData } }));
    await watch.next();
    abort.abort();
    await admin.secrets.create(secret('bad-docker', { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': `{"auths": ${dockerJson}` } })).catch(() => undefined);
    await admin.secrets.get('audited');
    await admin.secrets.list({ namespace: 'default' });
    await admin.secrets.update({ ...s1, data: { password: Buffer.from(updated) } });
    await admin.secrets.patch('audited', { stringData: { password: merged } });
    await admin.secrets.patch('audited', [{ op: 'replace', path: '/data/password', value: Buffer.from(jsonPatched).toString('base64') }], { type: 'json' });
    const refused = await admin.secrets.patch('audited', `{"data":{"password":${malformed}}}`).then(
      () => undefined,
      (err: Error) => err,
    );
    assert.ok(refused, 'a malformed patch is refused');
    const frozen = await admin.secrets.create(secret('frozen', { immutable: true, data: { a: Buffer.from('1') } }));
    await admin.secrets.update({ ...frozen, data: { a: Buffer.from(immutable) } }).catch(() => undefined);
    await admin.secrets.delete('audited');

    const lines = () => readFileSync(s.auditLogPath!, 'utf8').split('\n').filter(Boolean);
    const verbs = ['create', 'watch', 'get', 'list', 'update', 'patch', 'delete'];
    const onSecrets = () => lines().map((l) => JSON.parse(l) as AuditEvent).filter((e) => e.resource === 'secrets');
    await waitFor('an audit line for each verb on secrets', () => verbs.every((v) => onSecrets().some((e) => e.verb === v)), 5000);
    assert.ok(onSecrets().some((e) => e.verb === 'patch' && e.code !== 0 && e.message), 'the malformed patch is audited with its error');
    assert.ok(onSecrets().some((e) => e.verb === 'create' && e.name === 'bad-docker' && e.message), 'the invalid create is audited with its error');

    const log = lines().join('\n');
    for (const v of values) {
      for (const form of [v, Buffer.from(v).toString('base64')]) {
        assert.equal(log.indexOf(form.slice(0, 8)), -1, `the audit log quotes a Secret value (${form.slice(0, 8)}):\n${lines().find((l) => l.includes(form.slice(0, 8)))}`);
      }
    }
  });
});
