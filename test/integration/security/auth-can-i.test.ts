// `kitectl auth can-i` and `auth whoami` end to end: kubeconfigs written by lib/pki (client
// certificates and tokens over TLS), the commands as kitectl declares them, a real apiserver.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import * as K from '../../../lib/api/kinds';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { issueClientCertificate } from '../../../lib/pki/certificates';
import { writeKubeconfig } from '../../../lib/pki/kubeconfig';
import { registerAuthCommands } from '../../../services/kitectl/auth-can-i';
import { Cli, type GlobalOptions } from '../../../services/kitectl/cli-context';
import { ReportedError, formatError } from '../../../services/kitectl/cli-errors';
import { accessReview } from './rpc';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

/** Runs `kitectl <args>` with only the auth commands declared; returns exit code and output. */
async function kitectl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let failure: unknown;
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), readStdin: async () => '', signal: new AbortController().signal };
  const program = new Command('kitectl').option('--kubeconfig <file>').option('-n, --namespace <namespace>').exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  registerAuthCommands(program, async (fn) => {
    const cli = new Cli(program.opts() as GlobalOptions, io);
    try {
      await fn(cli);
    } catch (e) {
      failure = e;
    } finally {
      cli.close();
    }
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    failure = e;
  }
  if (failure !== undefined && !(failure instanceof ReportedError)) err += `${formatError(failure)}\n`;
  return { code: failure === undefined ? 0 : 1, out, err };
}

describe('security: kitectl auth can-i / whoami', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  const config = {} as Record<'admin' | 'alice' | 'node', string>;

  before(async () => {
    s = await startSecureApiserver({ tokens: { 'alice-t': { user: 'alice' } } });
    const server = `https://${s.address}`;
    const ca = s.ca.cert;
    const pem = (f: { cert: string; key: string }) => ({ cert: readFileSync(f.cert, 'utf8'), key: readFileSync(f.key, 'utf8') });
    config.admin = join(s.dir, 'admin.conf');
    writeKubeconfig(config.admin, { server, ca, ...pem(s.pki.admin) });
    config.alice = join(s.dir, 'alice.conf');
    writeKubeconfig(config.alice, { server, ca, token: 'alice-t' });
    config.node = join(s.dir, 'node.conf');
    writeKubeconfig(config.node, { server, ca, ...(await issueClientCertificate(s.ca, 'system:node:n1', ['system:nodes'])) });
    const admin = await s.admin();
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: 'team' } }));
    await admin.resource(K.RoleBindings).create(
      RoleBinding.fromPartial({
        metadata: { name: 'alice-edit', namespace: 'team' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
      }),
    );
    const alice = await s.client({ token: 'alice-t' });
    for (let i = 0; !(await accessReview(alice, { verb: 'list', resource: 'pods', namespace: 'team' })).status?.allowed; i++) {
      if (i > 100) throw new Error('the binding never reached the authorizer');
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  after(() => s?.stop());

  it('answers yes (exit 0) or no (exit 1), in the namespace asked', async () => {
    assert.deepEqual(await kitectl(['--kubeconfig', config.admin, 'auth', 'can-i', 'create', 'pods']), { code: 0, out: 'yes\n', err: '' });
    assert.deepEqual(await kitectl(['--kubeconfig', config.alice, '-n', 'team', 'auth', 'can-i', 'delete', 'deployments.apps']), { code: 0, out: 'yes\n', err: '' });
    assert.deepEqual(await kitectl(['--kubeconfig', config.alice, '-n', 'default', 'auth', 'can-i', 'delete', 'deployments']), { code: 1, out: 'no\n', err: '' });
    assert.equal((await kitectl(['--kubeconfig', config.alice, 'auth', 'can-i', 'list', 'pods', '-A'])).code, 1);
    assert.deepEqual(await kitectl(['--kubeconfig', config.alice, '-n', 'team', 'auth', 'can-i', 'get', 'pods', '--subresource', 'log', '-q']), { code: 0, out: '', err: '' });
  });

  it('asks on behalf of others with --as / --as-group, which needs the impersonate verb', async () => {
    const asNode = ['--as', 'system:node:n1', '--as-group', 'system:nodes'];
    assert.deepEqual(await kitectl(['--kubeconfig', config.admin, 'auth', 'can-i', 'update', 'nodes/n1', '--subresource', 'status', ...asNode]), { code: 0, out: 'yes\n', err: '' });
    const other = await kitectl(['--kubeconfig', config.admin, 'auth', 'can-i', 'update', 'nodes/n2', '--subresource', 'status', ...asNode]);
    assert.equal(other.code, 1);
    assert.equal(other.out, 'no - node "n1" can only modify its own Node object, not node "n2"\n');
    const refused = await kitectl(['--kubeconfig', config.alice, 'auth', 'can-i', 'get', 'pods', '--as', 'kubernetes-admin']);
    assert.equal(refused.code, 1);
    assert.equal(refused.err, 'Error from server (Forbidden): users "kubernetes-admin" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope\n');
  });

  it('whoami shows the identity a certificate carries', async () => {
    const r = await kitectl(['--kubeconfig', config.node, 'auth', 'whoami']);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'ATTRIBUTE   VALUE\nUsername    system:node:n1\nGroups      [system:nodes system:authenticated]\n');
  });
});
