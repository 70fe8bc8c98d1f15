// The audit log records every request, allowed or not: one JSON line with who, what, the
// decision, the gRPC code and the latency.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import type { AuditEvent } from '../../../services/apiserver/auth/audit/audit-log';
import { waitFor } from '../../support/wait';
import { whoAmI } from './rpc';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('security: audit log', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  before(async () => {
    s = await startSecureApiserver({ tokens: { 'eve-t': { user: 'eve' } }, audit: true });
  });
  after(() => s?.stop());

  const read = (): AuditEvent[] =>
    readFileSync(s.auditLogPath!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEvent);

  it('writes one line per request: allowed, forbidden, unauthenticated, malformed, impersonated, watches', async () => {
    const admin = await s.admin();
    const eve = await s.client({ token: 'eve-t' });
    const nobody = await s.client();
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: 'audited' } }));
    await eve.pods.list({ namespace: 'audited' }).catch(() => undefined);
    await nobody.namespaces.get('audited').catch(() => undefined);
    await new Promise<void>((resolve) =>
      admin.grpc.makeUnaryRequest('/kite.core.v1.NamespaceService/GetNamespace', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0xff]), new Metadata(), {}, (_e: ServiceError | null) => resolve()),
    );
    await whoAmI(admin, { user: 'system:node:n9', groups: ['system:nodes'] });
    const abort = new AbortController();
    const watch = admin.namespaces.watch({}, abort.signal);
    await watch.next();
    abort.abort();

    const find = (pred: (e: AuditEvent) => boolean) => read().find(pred);
    await waitFor('the audit lines', () => read().length >= 6, 5000);
    const created = find((e) => e.verb === 'create' && e.resource === 'namespaces' && e.name === 'audited');
    assert.ok(created, 'the create');
    assert.equal(created.user, 'kubernetes-admin');
    assert.deepEqual(created.groups, ['system:masters', 'system:authenticated']);
    assert.equal(created.decision, 'allow');
    assert.equal(created.code, status.OK);
    assert.equal(created.codeName, 'OK');
    assert.equal(created.method, 'kite.core.v1.NamespaceService/CreateNamespace');
    assert.match(created.reason!, /ClusterRoleBinding "cluster-admin"/);
    assert.ok(created.latencyMs >= 0 && created.latencyMs < 5000);
    assert.match(created.time, /^\d{4}-\d\d-\d\dT/);
    assert.match(created.sourceIP, /127\.0\.0\.1/);

    const forbidden = find((e) => e.user === 'eve' && e.verb === 'list');
    assert.ok(forbidden, 'the refusal');
    assert.equal(forbidden.decision, 'forbid');
    assert.equal(forbidden.code, status.PERMISSION_DENIED);
    assert.equal(forbidden.namespace, 'audited');
    assert.match(forbidden.message!, /pods is forbidden: User "eve" cannot list resource "pods"/);

    const unauthenticated = find((e) => e.decision === 'unauthenticated');
    assert.ok(unauthenticated, 'the stranger');
    assert.equal(unauthenticated.user, '');
    assert.equal(unauthenticated.code, status.UNAUTHENTICATED);
    assert.equal(unauthenticated.method, 'kite.core.v1.NamespaceService/GetNamespace');

    const malformed = find((e) => e.decision === 'error' && e.code === status.INVALID_ARGUMENT);
    assert.ok(malformed, 'the malformed request');
    assert.equal(malformed.user, 'kubernetes-admin');
    assert.match(malformed.message!, /not a valid kite\.core\.v1\.GetNamespaceRequest/);

    const impersonated = find((e) => e.impersonatedBy === 'kubernetes-admin');
    assert.ok(impersonated, 'the impersonation');
    assert.equal(impersonated.user, 'system:node:n9');
    assert.equal(impersonated.resource, 'selfsubjectreviews');

    const watched = find((e) => e.verb === 'watch' && e.resource === 'namespaces');
    assert.equal(watched?.decision, 'allow');
  });
});
