// kubectl exec against a secure apiserver's HTTPS port: kubectl's WebSocket dial is HTTP/1.1 on
// the port that serves HTTP/2, with the admin's client certificate; the upgrade request passes
// the gate (authenticated, authorized as create pods/exec) and is audited once, though kubectl
// retries a refused WebSocket as SPDY. The pod has no node, so the refusal is Kubernetes' own.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);

interface AuditEvent {
  method: string;
  user: string;
  verb: string;
  resource: string;
  decision: string;
}

describe('HTTP API: kubectl exec over HTTPS', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let env: NodeJS.ProcessEnv;
  const ns = uniqueName('kexec');

  before(async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    s = await startSecureApiserver({ config: { securePort: 0 }, audit: true });
    const admin = await s.admin();
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    await admin.pods.create(Pod.fromPartial({ metadata: { name: 'unbound', namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
    const kubeconfig = writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: ns });
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: s.dir };
  });
  after(() => s?.stop());

  it("answers the upgrade with the gate's Status, audited once as create pods/exec", async () => {
    const err = await run('kubectl', ['exec', 'unbound', '--', 'true'], { env, timeout: 30_000 }).then(
      () => assert.fail('kubectl exec succeeded'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(err.stderr, 'Error from server (BadRequest): pod unbound does not have a host assigned\n');
    assert.equal(err.code, 1);
    const execs = (): AuditEvent[] =>
      readFileSync(s.auditLogPath!, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditEvent)
        .filter((e) => e.method === 'kite.core.v1.PodService/ExecPod');
    await waitFor('the exec audit line', () => execs().length > 0, 5000);
    assert.equal(execs().length, 1);
    const [line] = execs();
    assert.equal(line.user, 'kubernetes-admin');
    assert.equal(line.verb, 'create');
    assert.equal(line.resource, 'pods/exec');
    assert.equal(line.decision, 'allow');
  });
});
