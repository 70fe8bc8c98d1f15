// The access reviews in discovery, as kube-apiserver lists them: the real kubectl's api-resources
// prints authentication.k8s.io's selfsubjectreviews and authorization.k8s.io's
// selfsubjectaccessreviews, selfsubjectrulesreviews and subjectaccessreviews (create only, not
// namespaced) as it does against a Kubernetes 1.32 cluster, leaves them out of `--verbs=list`,
// and explains them from their OpenAPI schemas.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlWith, startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);

describe('HTTP API: the access reviews in discovery (kubectl api-resources)', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let env: NodeJS.ProcessEnv;
  const kubectl = kubectlWith(() => env);

  before(async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    s = await startSecureApiserver({ config: { securePort: 0 } });
    env = { ...process.env, KUBECONFIG: writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: 'default' }), HOME: s.dir };
  });
  after(async () => s?.stop());

  const rows = (table: string) => table.trimEnd().split('\n').slice(1).map((l) => l.trim().split(/\s+/));

  it('lists the authorization.k8s.io reviews as Kubernetes does', async () => {
    const table = await kubectl('api-resources', '--api-group=authorization.k8s.io', '-o', 'wide');
    assert.match(table, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s+VERBS\s+CATEGORIES$/m);
    assert.deepEqual(rows(table), [
      ['selfsubjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview', 'create'],
      ['selfsubjectrulesreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectRulesReview', 'create'],
      ['subjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SubjectAccessReview', 'create'],
    ]);
  });

  it('lists selfsubjectreviews in authentication.k8s.io, and no review among the listable resources', async () => {
    assert.deepEqual(rows(await kubectl('api-resources', '--api-group=authentication.k8s.io')), [['selfsubjectreviews', 'authentication.k8s.io/v1', 'false', 'SelfSubjectReview']]);
    assert.deepEqual((await kubectl('api-resources', '--api-group=authentication.k8s.io', '-o', 'name')).trim(), 'selfsubjectreviews.authentication.k8s.io');
    const listable = await kubectl('api-resources', '--verbs=list', '-o', 'name');
    assert.ok(listable.includes('pods\n'), listable);
    assert.doesNotMatch(listable, /reviews/);
    // kubectl explain reads their OpenAPI schemas; kubectl auth whoami still finds its endpoint.
    assert.match(await kubectl('explain', 'selfsubjectaccessreviews.spec'), /^GROUP:\s+authorization\.k8s\.io\nKIND:\s+SelfSubjectAccessReview\nVERSION:\s+v1$/m);
    assert.match(await kubectl('auth', 'whoami'), /^Username\s+kubernetes-admin$/m);
  });
});
