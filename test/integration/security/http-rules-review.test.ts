// SelfSubjectRulesReview (authorization.k8s.io/v1, `kubectl auth can-i --list`) through the HTTP
// API of a secure apiserver: the real kubectl's table, compared with what kube-apiserver answers
// for the same roles (RBAC's rules for the caller, cluster-wide and in the namespace), a missing
// role as evaluationError, a node's list as incomplete, and a review without a namespace refused;
// kitectl's `auth can-i --list` (over gRPC) prints what kubectl prints.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClusterRoleBinding, Role, RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { issueClientCertificate } from '../../../lib/pki/certificates';
import { writeKubeconfig as writeKiteKubeconfig } from '../../../lib/pki/kubeconfig';
import { kitectl } from '../kitectl/run-kitectl';
import { httpsRequest } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { kubectlWith, startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);
const RBAC = 'rbac.authorization.k8s.io';

/** kubectl's table as lists of cells (the column padding aside). */
const cells = (table: string) =>
  table
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));

/** What kube-apiserver v1.32 answers `kubectl auth can-i --list` for a user with only the default roles. */
const DEFAULT_USER_RULES = [
  ['selfsubjectreviews.authentication.k8s.io', '[]', '[]', '[create]'],
  ['selfsubjectaccessreviews.authorization.k8s.io', '[]', '[]', '[create]'],
  ['selfsubjectrulesreviews.authorization.k8s.io', '[]', '[]', '[create]'],
  ['[/api/*]', '[]', '[get]'],
  ['[/api]', '[]', '[get]'],
  ['[/apis/*]', '[]', '[get]'],
  ['[/apis]', '[]', '[get]'],
  ['[/healthz]', '[]', '[get]'],
  ['[/healthz]', '[]', '[get]'],
  ['[/livez]', '[]', '[get]'],
  ['[/livez]', '[]', '[get]'],
  ['[/openapi/*]', '[]', '[get]'],
  ['[/openapi]', '[]', '[get]'],
  ['[/readyz]', '[]', '[get]'],
  ['[/readyz]', '[]', '[get]'],
  ['[/version/]', '[]', '[get]'],
  ['[/version/]', '[]', '[get]'],
  ['[/version]', '[]', '[get]'],
  ['[/version]', '[]', '[get]'],
];
const HEADER = ['Resources', 'Non-Resource', 'URLs', 'Resource', 'Names', 'Verbs'];

describe('HTTP API: SelfSubjectRulesReview (kubectl auth can-i --list)', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let env: NodeJS.ProcessEnv;
  const ns = uniqueName('rules');
  const other = uniqueName('rules-other');
  const kubectl = kubectlWith(() => env);

  before(async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    s = await startSecureApiserver({ tokens: { 'alice-token': { user: 'alice' }, 'bob-token': { user: 'bob' } }, config: { securePort: 0 } });
    const node = await issueClientCertificate(s.ca, 'system:node:n1', ['system:nodes']);
    const kubeconfig = writeKubeconfig(s, join(s.dir, 'kubeconfig'), {
      namespace: ns,
      users: {
        alice: { token: 'alice-token' },
        bob: { token: 'bob-token' },
        node: { 'client-certificate-data': Buffer.from(node.cert).toString('base64'), 'client-key-data': Buffer.from(node.key).toString('base64') },
      },
    });
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: s.dir };
    const admin = await s.admin();
    for (const name of [ns, other]) await admin.namespaces.create(Namespace.fromPartial({ metadata: { name } }));
    await admin.roles.create(
      Role.fromPartial({
        metadata: { name: 'reader' },
        rules: [
          { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] },
          { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app-config'] },
        ],
      }),
      { namespace: ns },
    );
    await admin.roleBindings.create(
      RoleBinding.fromPartial({ metadata: { name: 'alice-reads' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }] }),
      { namespace: ns },
    );
    await admin.clusterRoleBindings.create(
      ClusterRoleBinding.fromPartial({ metadata: { name: uniqueName('bob-missing') }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'no-such-role' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }] }),
    );
    await waitFor('the binding in the authorizer', async () => (await kubectl('auth', 'can-i', 'list', 'pods', '--user', 'alice', '-n', ns).catch(() => 'no')).trim() === 'yes', 10_000);
  });
  after(() => s?.stop());

  it('lists what a user with only the default roles may do, as kube-apiserver does', async () => {
    assert.deepEqual(cells(await kubectl('auth', 'can-i', '--list', '--user', 'alice', '-n', other)), [HEADER, ...DEFAULT_USER_RULES]);
  });

  it("adds the rules of the namespace's RoleBindings (resource names included) for that namespace only", async () => {
    const rows = cells(await kubectl('auth', 'can-i', '--list', '--user', 'alice'));
    assert.deepEqual(rows, [
      HEADER,
      ...DEFAULT_USER_RULES.slice(0, 3),
      ['pods', '[]', '[]', '[get', 'list', 'watch]'],
      ...DEFAULT_USER_RULES.slice(3),
      ['configmaps', '[]', '[app-config]', '[get]'],
    ]);
  });

  it('names a binding whose role is missing in evaluationError, without calling the list incomplete', async () => {
    const r = await post('bob-token', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: ns } });
    assert.equal(r.status, 201);
    assert.equal(r.json.kind, 'SelfSubjectRulesReview');
    assert.equal(r.json.status.incomplete, false);
    assert.deepEqual(r.json.status.resourceRules[0], { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] });
    assert.equal(r.json.status.evaluationError, 'clusterrole.rbac.authorization.k8s.io "no-such-role" not found');
    assert.deepEqual(r.json.status.nonResourceRules[0], { verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'] });
  });

  it("says a node's list is incomplete (the Node authorizer cannot list), as kubectl prints it", async () => {
    const { stderr } = await run('kubectl', ['auth', 'can-i', '--list', '--user', 'node'], { env });
    assert.equal(stderr, 'Warning: the list may be incomplete: node authorizer does not support user rule resolution\n');
  });

  it('refuses a review without a namespace (400), as kube-apiserver does', async () => {
    const r = await post('alice-token', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {} });
    assert.equal(r.status, 400);
    assert.equal(r.json.reason, 'BadRequest');
    assert.equal(r.json.message, 'no namespace on request');
  });

  it('kitectl auth can-i --list prints what kubectl prints, and its warning for a node', async () => {
    const alice = join(s.dir, 'kite-alice.conf');
    writeKiteKubeconfig(alice, { server: `https://${s.address}`, ca: s.ca.cert, token: 'alice-token' });
    for (const namespace of [ns, other]) {
      const ours = await kitectl(['--kubeconfig', alice, '-n', namespace, 'auth', 'can-i', '--list']);
      assert.equal(ours.code, 0, ours.err);
      assert.equal(ours.out, await kubectl('auth', 'can-i', '--list', '--user', 'alice', '-n', namespace));
    }
    const headless = await kitectl(['--kubeconfig', alice, '-n', ns, 'auth', 'can-i', '--list', '--no-headers']);
    assert.equal(headless.out, await kubectl('auth', 'can-i', '--list', '--no-headers', '--user', 'alice', '-n', ns));
    const node = join(s.dir, 'kite-node.conf');
    writeKiteKubeconfig(node, { server: `https://${s.address}`, ca: s.ca.cert, ...(await issueClientCertificate(s.ca, 'system:node:n1', ['system:nodes'])) });
    const listed = await kitectl(['--kubeconfig', node, 'auth', 'can-i', '--list']);
    assert.equal(listed.err, 'Warning: the list may be incomplete: node authorizer does not support user rule resolution\n');
    const misused = await kitectl(['--kubeconfig', alice, 'auth', 'can-i', 'get', 'pods', '--list']);
    assert.equal(misused.code, 1);
    assert.match(misused.err, /list option must be specified with no arguments/);
  });

  /** A POST of a review with a bearer token over HTTPS. */
  const post = (token: string, body: object) =>
    httpsRequest({ port: s.server.securePort!, ca: s.ca.cert }, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', body, { authorization: `Bearer ${token}` });
});
