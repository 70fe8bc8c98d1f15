// The real kubectl (the one on PATH) against a Kite apiserver's HTTP front door: each verb's
// effect on the objects, its output in kubectl's words, and where kitectl has the same verb, the
// same output from both.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Namespace, Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { waitFor } from '../../support/wait';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

const ROOT = join(__dirname, '../../..');
const NGINX = join(ROOT, 'examples/nginx.yaml');
const nginxYaml = readFileSync(NGINX, 'utf8');

/** Ages (in seconds while a test runs) differ by the second between two commands: compared as AGE. */
const ageless = (table: string) => table.replace(/\b\d+s\b/g, 'AGE');

const configMap = (name: string, data: Record<string, string>, labels?: Record<string, string>) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data });

/** A Deployment like the nginx example's, named `name` (for verbs that change it). */
const deployment = (name: string, replicas = 2) =>
  nginxYaml.split('---')[0].replace(/nginx\b(?!:)/g, name).replace('replicas: 3', `replicas: ${replicas}`);

describe('the real kubectl against a Kite apiserver (HTTPS front door)', function () {
  this.timeout(60_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) {
      // A CI run refuses this skip (test/support/setup.ts): install Debian's kubernetes-client.
      this.skip();
    }
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  const kubectl = (args: string[], opts?: Parameters<KubectlHarness['kubectl']>[1]) => h.kubectl(args, opts);
  const ok = (args: string[], opts?: Parameters<KubectlHarness['ok']>[1]) => h.ok(args, opts);
  const kitectlOk = async (args: string[], stdin?: string) => {
    const r = await h.kitectl(args, stdin);
    assert.equal(r.code, 0, `kitectl ${args.join(' ')}: ${r.err}`);
    return r.out;
  };
  const rolledOut = (name: string) =>
    waitFor(`deployment ${name} rolled out`, async () => {
      const d = await h.admin.deployments.get(name, h.namespace);
      const st = d.status;
      const settled = st?.conditions.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable');
      return st?.observedGeneration === d.metadata?.generation && st?.replicas === d.spec?.replicas && st?.updatedReplicas === d.spec?.replicas && st?.availableReplicas === d.spec?.replicas && settled;
    }, 30_000);

  describe('apply', () => {
    it('creates the nginx example, leaves it unchanged the second time, and configures a changed manifest', async () => {
      assert.equal(await ok(['apply', '-f', NGINX]), 'deployment.apps/nginx created\nservice/nginx created\n');
      assert.equal((await h.admin.deployments.get('nginx', h.namespace)).spec?.replicas, 3);
      assert.equal(await ok(['apply', '-f', NGINX]), 'deployment.apps/nginx unchanged\nservice/nginx unchanged\n');
      const changed = nginxYaml.replace('replicas: 3', 'replicas: 2').replace('image: nginx:1.22', 'image: nginx:1.23');
      assert.equal(await ok(['apply', '-f', '-'], { stdin: changed }), 'deployment.apps/nginx configured\nservice/nginx unchanged\n');
      const d = await h.admin.deployments.get('nginx', h.namespace);
      assert.equal(d.spec?.replicas, 2);
      const c = d.spec!.template!.spec!.containers[0];
      assert.equal(c.image, 'nginx:1.23');
      assert.equal(c.ports[0].containerPort, 80, 'the strategic merge patch keeps the container\'s other fields');
      assert.ok(d.metadata?.annotations['kubectl.kubernetes.io/last-applied-configuration'], 'kubectl records what it applied');
    });

    it('delete -f removes what a manifest names', async () => {
      await ok(['apply', '-f', '-'], { stdin: configMap('from-file', { a: '1' }) });
      assert.equal(await ok(['delete', '-f', '-'], { stdin: configMap('from-file', { a: '1' }) }), 'configmap "from-file" deleted\n');
      await assert.rejects(h.admin.configMaps.get('from-file', h.namespace), /not found/);
    });

    it('applies a directory, as kitectl does', async () => {
      const dir = join(h.dir, 'manifests');
      mkdirSync(dir);
      writeFileSync(join(dir, 'a.json'), configMap('dir-a', { k: 'a' }));
      writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dir-b\ndata:\n  k: b\n');
      assert.equal(await ok(['apply', '-f', dir]), 'configmap/dir-a created\nconfigmap/dir-b created\n');
      assert.equal(await kitectlOk(['apply', '-f', dir]), 'configmap/dir-a unchanged\nconfigmap/dir-b unchanged\n');
      assert.equal(await ok(['apply', '-f', dir]), 'configmap/dir-a unchanged\nconfigmap/dir-b unchanged\n');
    });
  });

  describe('create', () => {
    it('create -f, and AlreadyExists the second time', async () => {
      assert.equal(await ok(['create', '-f', '-'], { stdin: configMap('created', { a: '1' }) }), 'configmap/created created\n');
      const dup = await kubectl(['create', '-f', '-'], { stdin: configMap('created', { a: '1' }) });
      assert.equal(dup.code, 1);
      assert.equal(dup.err, 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "created" already exists\n');
    });

    it('the generators (create configmap, deployment, namespace), as kitectl words them', async () => {
      assert.equal(await ok(['create', 'configmap', 'generated', '--from-literal=a=1']), 'configmap/generated created\n');
      assert.deepEqual((await h.admin.configMaps.get('generated', h.namespace)).data, { a: '1' });
      assert.equal(await ok(['create', 'deployment', 'gen-deploy', '--image', 'nginx:1.22']), 'deployment.apps/gen-deploy created\n');
      assert.equal(await kitectlOk(['create', 'deployment', 'gen-deploy2', '--image', 'nginx:1.22']), 'deployment.apps/gen-deploy2 created\n');
      const ns = `${h.namespace}-gen`;
      assert.equal(await ok(['create', 'namespace', ns]), `namespace/${ns} created\n`);
    });
  });

  describe('create: secrets, service accounts, tokens, RBAC, services', () => {
    it('create secret generic, serviceaccount and token, as kitectl words them', async () => {
      assert.equal(await ok(['create', 'secret', 'generic', 'sec-k', '--from-literal=a=b']), 'secret/sec-k created\n');
      assert.equal(await kitectlOk(['create', 'secret', 'generic', 'sec-c', '--from-literal=a=b']), 'secret/sec-c created\n');
      assert.deepEqual((await h.admin.secrets.get('sec-k', h.namespace)).data, (await h.admin.secrets.get('sec-c', h.namespace)).data);
      assert.equal(await ok(['get', 'secret', 'sec-k', '-o', 'jsonpath={.data.a}']), Buffer.from('b').toString('base64'));
      assert.equal(await ok(['create', 'serviceaccount', 'reader']), 'serviceaccount/reader created\n');
      const token = (await ok(['create', 'token', 'reader', '--duration', '10m'])).trim();
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string; exp: number; iat: number };
      assert.equal(claims.sub, `system:serviceaccount:${h.namespace}:reader`);
      assert.equal(claims.exp - claims.iat, 600);
    });

    it('create role, rolebinding, clusterrole and service clusterip; auth whoami and describe of roles and bindings as kitectl prints them', async () => {
      assert.equal(await ok(['create', 'role', 'pod-reader', '--verb', 'get,list', '--resource', 'pods']), 'role.rbac.authorization.k8s.io/pod-reader created\n');
      assert.equal(await ok(['create', 'rolebinding', 'read-pods', '--role', 'pod-reader', '--user', 'alice']), 'rolebinding.rbac.authorization.k8s.io/read-pods created\n');
      const role = await h.admin.roles.get('pod-reader', h.namespace);
      assert.deepEqual(role.rules.map((r) => [r.verbs, r.resources]), [[['get', 'list'], ['pods']]]);
      // RBAC reads the binding from its informer: yes once it has it.
      await waitFor('alice may list pods', async () => (await kubectl(['auth', 'can-i', 'list', 'pods', '--as', 'alice'])).out === 'yes\n');
      const cannot = await kubectl(['auth', 'can-i', 'delete', 'pods', '--as', 'alice']);
      assert.deepEqual([cannot.code, cannot.out], [1, 'no\n']);
      const clusterRole = `${h.namespace}-nodes`;
      assert.equal(await ok(['create', 'clusterrole', clusterRole, '--verb', 'get', '--resource', 'nodes']), `clusterrole.rbac.authorization.k8s.io/${clusterRole} created\n`);
      assert.equal(await ok(['create', 'service', 'clusterip', 'plain', '--tcp', '8080:80']), 'service/plain created\n');
      const svc = await h.admin.services.get('plain', h.namespace);
      assert.deepEqual([svc.spec?.type, svc.spec?.ports[0].port, svc.spec?.selector], ['ClusterIP', 8080, { app: 'plain' }]);
      assert.equal(await ok(['auth', 'whoami']), (await kitectlOk(['auth', 'whoami'])));
      for (const args of [['describe', 'role', 'pod-reader'], ['describe', 'rolebinding', 'read-pods'], ['describe', 'clusterrole', clusterRole], ['describe', 'clusterrole', 'view'], ['describe', 'clusterrole', 'edit'], ['describe', 'clusterrole', 'system:node-proxier'], ['describe', 'clusterrole', 'system:kube-scheduler'], ['describe', 'clusterrole', 'system:kube-controller-manager'], ['describe', 'clusterrolebinding', 'cluster-admin'], ['describe', 'clusterrolebinding', 'system:node-proxier']]) {
        assert.equal(await ok(args), await kitectlOk(args), `kubectl and kitectl ${args.join(' ')}`);
      }
    });
  });

  describe('get', () => {
    before(async () => {
      await kitectlOk(['apply', '-f', '-'], deployment('web'));
      await rolledOut('web');
    });

    it('prints the same table as kitectl get, and -o wide', async () => {
      for (const args of [['get', 'deployments'], ['get', 'deployment', 'web', '-o', 'wide'], ['get', 'pods', '-l', 'app=web']]) {
        assert.equal(ageless(await ok(args)), ageless(await kitectlOk(args)), `kubectl ${args.join(' ')}`);
      }
      const wide = (await ok(['get', 'deployment', 'web', '-o', 'wide'])).split('\n');
      assert.match(wide[0], /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
      assert.match(wide[1], /^web\s+2\/2\s+2\s+2\s+\S+\s+web\s+nginx:1\.22\s+app=web$/);
    });

    it('prints -o yaml and -o json of one object and of a list', async () => {
      const one = parse(await ok(['get', 'deployment', 'web', '-o', 'yaml'])) as { kind: string; apiVersion: string; metadata: { name: string; uid: string }; spec: { replicas: number } };
      assert.equal(one.kind, 'Deployment');
      assert.equal(one.apiVersion, 'apps/v1');
      assert.equal(one.spec.replicas, 2);
      assert.equal(one.metadata.uid, (await h.admin.deployments.get('web', h.namespace)).metadata?.uid);
      for (const args of [['get', 'deployment', 'web', '-o', 'yaml'], ['get', 'service', 'nginx', '-o', 'json'], ['get', 'pods', '-l', 'app=web', '-o', 'yaml']]) {
        assert.equal(await ok(args), await kitectlOk(args), `kubectl and kitectl ${args.join(' ')}`);
      }
      const list = JSON.parse(await ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { kind: string; items: { kind: string; status: { phase: string } }[] };
      assert.equal(list.kind, 'List');
      assert.equal(list.items.length, 2);
      assert.deepEqual(list.items.map((p) => `${p.kind} ${p.status.phase}`), ['Pod Running', 'Pod Running']);
    });

    it('prints -o jsonpath and -o custom-columns, as kitectl does', async () => {
      const jsonpath = ['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.name} {.spec.replicas} {.spec.template.spec.containers[*].image}'];
      assert.equal(await ok(jsonpath), 'web 2 nginx:1.22');
      assert.equal(await ok(jsonpath), await kitectlOk(jsonpath));
      const columns = await ok(['get', 'deployments', '-o', 'custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image', '-l', 'app=web']);
      assert.deepEqual(columns.trimEnd().split('\n').map((l) => l.split(/\s+/)), [['NAME', 'REPLICAS', 'IMAGE'], ['web', '2', 'nginx:1.22']]);
    });

    it('filters with -l and says when nothing matched', async () => {
      const r = await kubectl(['get', 'pods', '-l', 'app=nothing']);
      assert.equal(r.code, 0);
      assert.equal(r.out, '');
      assert.equal(r.err, `No resources found in ${h.namespace} namespace.\n`);
      assert.deepEqual((await ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).trimEnd().split('\n').length, 2);
    });

    it('lists every namespace with -A', async () => {
      const all = (await ok(['get', 'deployments', '-A'])).split('\n');
      assert.match(all[0], /^NAMESPACE\s+NAME\s+READY/);
      assert.ok(all.some((l) => new RegExp(`^${h.namespace}\\s+web\\s+2/2`).test(l)), all.join('\n'));
    });

    it('get -f, -o name, --show-labels, --sort-by and get all (the "all" category)', async () => {
      await ok(['apply', '-f', '-'], { stdin: deployment('sorted', 1).replace('  labels:\n    app: sorted\n', '  labels:\n    app: sorted\n    tier: zz\n') });
      assert.equal(await ok(['get', '-f', '-', '-o', 'name'], { stdin: deployment('sorted', 1) }), 'deployment.apps/sorted\n');
      const labelled = (await ok(['get', 'deployment', 'sorted', '--show-labels'])).trimEnd().split('\n');
      assert.match(labelled[0], /\sLABELS$/);
      assert.match(labelled[1], /\sapp=sorted,tier=zz$/);
      const byReplicas = (await ok(['get', 'deployments', '--sort-by', '.spec.replicas', '-o', 'custom-columns=R:.spec.replicas', '--no-headers'])).trimEnd().split('\n').map(Number);
      assert.deepEqual(byReplicas, [...byReplicas].sort((a, b) => a - b));
      const all = await ok(['get', 'all']);
      assert.match(all, /^deployment\.apps\/sorted\s/m);
      assert.match(all, /^replicaset\.apps\/sorted-[a-z0-9]+\s/m);
      assert.match(all, /^pod\/sorted-[a-z0-9]+-[a-z0-9]{5}\s/m);
    });

    it('reports a missing object as kubectl does, exit 1', async () => {
      const r = await kubectl(['get', 'deployment', 'absent']);
      assert.equal(r.code, 1);
      assert.equal(r.err, 'Error from server (NotFound): deployments.apps "absent" not found\n');
    });

    it('get -w prints the table, then another client\'s create', async () => {
      await ok(['create', '-f', '-'], { stdin: configMap('watch-a', { k: 'v' }) });
      const w = h.background(['get', 'configmaps', '-w']);
      try {
        await waitFor('the watch to list watch-a', () => /^watch-a\s/m.test(w.output()));
        await kitectlOk(['create', '-f', '-'], configMap('watch-b', { k: 'v' }));
        await waitFor('the watch to print watch-b', () => /^watch-b\s/m.test(w.output()));
      } finally {
        await w.stop();
      }
      const lines = w.output().trimEnd().split('\n');
      assert.match(lines[0], /^NAME\s+DATA\s+AGE$/);
      assert.ok(lines.some((l) => /^watch-b\s+1\s+/.test(l)), lines.join('\n'));
    });
  });

  describe('describe', () => {
    it('describes a deployment, a service, pods, replica sets and a config map with the same text as kitectl describe', async () => {
      await kitectlOk(['apply', '-f', '-'], deployment('described', 1));
      await rolledOut('described');
      const text = await ok(['describe', 'deployment', 'described']);
      assert.match(text, /^Name:\s+described$/m);
      assert.match(text, new RegExp(`^Namespace:\\s+${h.namespace}$`, 'm'));
      assert.match(text, /^Replicas:\s+1 desired \| 1 updated \| 1 total \| 1 available \| 0 unavailable$/m);
      assert.match(text, /^StrategyType:\s+RollingUpdate$/m);
      assert.match(text, /^\s+Image:\s+nginx:1\.22$/m);
      assert.equal(ageless(text), ageless(await kitectlOk(['describe', 'deployment', 'described'])));
      await kitectlOk(['apply', '-f', '-'], nginxYaml.split('---')[1].replace(/nginx/g, 'described'));
      // One key: kubectl prints a ConfigMap's keys in Go's map order.
      await ok(['create', '-f', '-'], { stdin: configMap('described', { 'app.conf': 'a=1\nb=2\n' }) });
      for (const args of [['describe', 'service', 'described'], ['describe', 'pods', '-l', 'app=described'], ['describe', 'replicasets', '-l', 'app=described'], ['describe', 'configmap', 'described']]) {
        assert.equal(ageless(await ok(args)), ageless(await kitectlOk(args)), `kubectl and kitectl ${args.join(' ')}`);
      }
    });
  });

  describe('describe namespace', () => {
    it('lists the namespace\'s quotas and limit ranges, with the same text as kitectl describe', async () => {
      const ns = `${h.namespace}-described`;
      await ok(['create', 'namespace', ns]);
      const bare = await ok(['describe', 'namespace', ns]);
      assert.match(bare, /\n\nNo resource quota\.\n\nNo LimitRange resource\.\n$/);
      assert.equal(bare, await kitectlOk(['describe', 'namespace', ns]));
      await ok(['create', 'quota', 'compute', '--hard', 'pods=10,requests.cpu=2', '-n', ns]);
      const limits = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { cpu: '200m' } }] } };
      await ok(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(limits) });
      const text = await waitFor('both in the describe', async () => {
        const t = await ok(['describe', 'namespace', ns]);
        return /Resource Quotas/.test(t) && /Resource Limits/.test(t) ? t : undefined;
      });
      assert.match(text, /^ {2}Name: +compute$/m);
      assert.match(text, /^ {2}Resource +Used +Hard$/m);
      assert.match(text, /^ Container +cpu +- +- +200m +200m +-$/m);
      assert.equal(text, await kitectlOk(['describe', 'namespace', ns]));
    });
  });

  describe('patch', () => {
    beforeEach(async () => {
      await h.admin.configMaps.delete('patched', { namespace: h.namespace }).catch(() => undefined);
      await ok(['create', '-f', '-'], { stdin: configMap('patched', { a: '1', b: '2' }, { app: 'p' }) });
    });

    it('merge patch (--type merge): sets and removes keys', async () => {
      assert.equal(await ok(['patch', 'configmap', 'patched', '--type', 'merge', '-p', '{"data":{"a":"10","b":null,"c":"3"}}']), 'configmap/patched patched\n');
      assert.deepEqual((await h.admin.configMaps.get('patched', h.namespace)).data, { a: '10', c: '3' });
    });

    it('JSON patch (--type json): add, replace, remove, test', async () => {
      const ops = [{ op: 'test', path: '/data/a', value: '1' }, { op: 'replace', path: '/data/a', value: 'x' }, { op: 'remove', path: '/data/b' }, { op: 'add', path: '/metadata/labels/extra', value: 'y' }];
      assert.equal(await ok(['patch', 'configmap', 'patched', '--type', 'json', '-p', JSON.stringify(ops)]), 'configmap/patched patched\n');
      const cm = await h.admin.configMaps.get('patched', h.namespace);
      assert.deepEqual(cm.data, { a: 'x' });
      assert.deepEqual(cm.metadata?.labels, { app: 'p', extra: 'y' });
      const failed = await kubectl(['patch', 'configmap', 'patched', '--type', 'json', '-p', '[{"op":"test","path":"/data/a","value":"no"}]']);
      assert.equal(failed.code, 1, 'a failed test operation changes nothing and fails');
    });

    it('strategic merge patch (the default): containers merge by name', async () => {
      await kitectlOk(['apply', '-f', '-'], deployment('smp', 1));
      const patch = { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.36' }, { name: 'smp', image: 'nginx:1.25' }] } } } };
      assert.equal(await ok(['patch', 'deployment', 'smp', '-p', JSON.stringify(patch)]), 'deployment.apps/smp patched\n');
      const containers = (await h.admin.deployments.get('smp', h.namespace)).spec!.template!.spec!.containers;
      assert.deepEqual(containers.map((c) => `${c.name}=${c.image}`).sort(), ['sidecar=busybox:1.36', 'smp=nginx:1.25']);
      assert.equal(containers.find((c) => c.name === 'smp')!.ports[0].containerPort, 80, 'the merged container keeps its ports');
      // Once the rollout settled (kubectl compares the object before and after: a status update in between is a change).
      await rolledOut('smp');
      const none = await ok(['patch', 'deployment', 'smp', '-p', JSON.stringify(patch)]);
      assert.equal(none, 'deployment.apps/smp patched (no change)\n');
    });
  });

  describe('replace, edit, diff', () => {
    it('replace -f: the whole object, from a file read with get -o yaml', async () => {
      await ok(['create', '-f', '-'], { stdin: configMap('replaced', { a: '1' }) });
      const doc = (await ok(['get', 'configmap', 'replaced', '-o', 'yaml'])).replace('a: "1"', 'a: "2"');
      assert.equal(await ok(['replace', '-f', '-'], { stdin: doc }), 'configmap/replaced replaced\n');
      assert.deepEqual((await h.admin.configMaps.get('replaced', h.namespace)).data, { a: '2' });
      const stale = await kubectl(['replace', '-f', '-'], { stdin: doc });
      assert.equal(stale.code, 1, 'the old resourceVersion conflicts');
      assert.match(stale.err, /Operation cannot be fulfilled on configmaps "replaced": the object has been modified; please apply your changes to the latest version and try again/);
    });

    it('edit, with KUBE_EDITOR a script that changes the file', async () => {
      await ok(['create', '-f', '-'], { stdin: configMap('edited', { a: '1' }) });
      const editor = join(h.dir, 'editor.sh');
      writeFileSync(editor, '#!/bin/sh\nsed -i \'s/a: "1"/a: "edited"/\' "$1"\n');
      chmodSync(editor, 0o755);
      assert.equal(await ok(['edit', 'configmap', 'edited'], { env: { KUBE_EDITOR: editor } }), 'configmap/edited edited\n');
      assert.deepEqual((await h.admin.configMaps.get('edited', h.namespace)).data, { a: 'edited' });
      const unchanged = await kubectl(['edit', 'configmap', 'edited'], { env: { KUBE_EDITOR: 'true' } });
      assert.equal(unchanged.code, 0);
      assert.equal(unchanged.err, 'Edit cancelled, no changes made.\n');
    });

    it('diff: exit 0 with nothing to change, exit 1 and a unified diff with changes, nothing written', async () => {
      await kitectlOk(['apply', '-f', '-'], deployment('diffed', 1));
      const same = await kubectl(['diff', '-f', '-'], { stdin: deployment('diffed', 1) });
      assert.equal(same.code, 0, same.err);
      assert.equal(same.out, '');
      const changed = await kubectl(['diff', '-f', '-'], { stdin: deployment('diffed', 4) });
      assert.equal(changed.code, 1, changed.err);
      assert.match(changed.out, /^-  replicas: 1$/m);
      assert.match(changed.out, /^\+  replicas: 4$/m);
      assert.equal((await h.admin.deployments.get('diffed', h.namespace)).spec?.replicas, 1, 'diff is a dry run');
    });
  });

  describe('deployments: scale, label, annotate, set image, rollout, wait', () => {
    before(async () => {
      await kitectlOk(['apply', '-f', '-'], deployment('roll', 1));
      await rolledOut('roll');
    });

    it('scale', async () => {
      assert.equal(await ok(['scale', 'deployment', 'roll', '--replicas', '2']), 'deployment.apps/roll scaled\n');
      assert.equal((await h.admin.deployments.get('roll', h.namespace)).spec?.replicas, 2);
      await rolledOut('roll');
      // The scale subresource's server-side Table (Kubernetes' printScale) and its autoscaling/v1 Scale.
      const table = (await ok(['get', 'deployment', 'roll', '--subresource=scale'])).trimEnd().split('\n').map((l) => l.split(/\s+/));
      assert.deepEqual(table.map((r) => r.slice(0, 3)), [['NAME', 'DESIRED', 'AVAILABLE'], ['roll', '2', '2']]);
      assert.equal(table[0][3], 'AGE');
      const scale = JSON.parse(await ok(['get', 'deployment', 'roll', '--subresource=scale', '-o', 'json']));
      assert.deepEqual(Object.keys(scale.metadata).sort(), ['creationTimestamp', 'name', 'namespace', 'resourceVersion', 'uid']);
      assert.deepEqual([scale.kind, scale.spec, scale.status], ['Scale', { replicas: 2 }, { replicas: 2, selector: 'app=roll' }]);
    });

    it('label and annotate, as kitectl does', async () => {
      assert.equal(await ok(['label', 'deployment', 'roll', 'tier=web']), 'deployment.apps/roll labeled\n');
      assert.equal(await ok(['annotate', 'deployment', 'roll', 'note=hello']), 'deployment.apps/roll annotated\n');
      const refused = await kubectl(['label', 'deployment', 'roll', 'tier=db']);
      assert.equal(refused.code, 1);
      assert.match(refused.err, /'tier' already has a value \(web\), and --overwrite is false/);
      assert.equal(await ok(['label', 'deployment', 'roll', 'tier-']), 'deployment.apps/roll unlabeled\n');
      assert.equal(await kitectlOk(['label', 'deployment', 'roll', 'tier=web']), 'deployment.apps/roll labeled\n');
      const d = await h.admin.deployments.get('roll', h.namespace);
      assert.equal(d.metadata?.labels.tier, 'web');
      assert.equal(d.metadata?.annotations.note, 'hello');
    });

    it('set image, rollout status and history, wait --for=condition', async () => {
      assert.equal(await ok(['set', 'image', 'deployment/roll', 'roll=nginx:1.25']), 'deployment.apps/roll image updated\n');
      const status = await ok(['rollout', 'status', 'deployment/roll', '--timeout', '30s']);
      assert.match(status, /deployment "roll" successfully rolled out\n$/);
      assert.equal(await ok(['wait', '--for=condition=Available', 'deployment/roll', '--timeout', '30s']), 'deployment.apps/roll condition met\n');
      assert.equal(await ok(['wait', '--for=jsonpath={.spec.template.spec.containers[0].image}=nginx:1.25', 'deployment/roll', '--timeout', '30s']), 'deployment.apps/roll condition met\n');
      const history = (await ok(['rollout', 'history', 'deployment/roll'])).trimEnd().split('\n');
      assert.deepEqual(history.slice(0, 2), ['deployment.apps/roll ', 'REVISION  CHANGE-CAUSE']);
      assert.deepEqual(history.slice(2).map((l) => l.split(/\s+/)[0]), ['1', '2']);
      assert.equal(ageless(history.join('\n')), ageless((await kitectlOk(['rollout', 'history', 'deployment/roll'])).trimEnd()));
    });

    it('set env, set resources, apply view-last-applied, expose, run, -o go-template', async () => {
      await ok(['apply', '-f', '-'], { stdin: deployment('extra', 1) });
      assert.equal(await ok(['set', 'env', 'deployment/extra', 'FOO=bar']), 'deployment.apps/extra env updated\n');
      assert.equal(await ok(['set', 'resources', 'deployment/extra', '--limits=cpu=200m,memory=64Mi']), 'deployment.apps/extra resource requirements updated\n');
      const c = (await h.admin.deployments.get('extra', h.namespace)).spec!.template!.spec!.containers[0];
      assert.deepEqual(c.env.map((e) => `${e.name}=${e.value}`), ['FOO=bar']);
      assert.deepEqual(c.resources?.limits, { cpu: '200m', memory: '64Mi' });
      const applied = parse(await ok(['apply', 'view-last-applied', 'deployment/extra'])) as { spec: { replicas: number } };
      assert.equal(applied.spec.replicas, 1);
      assert.equal(await ok(['expose', 'deployment', 'extra', '--port', '80']), 'service/extra exposed\n');
      const svc = await h.admin.services.get('extra', h.namespace);
      assert.deepEqual(svc.spec?.selector, { app: 'extra' });
      assert.equal(svc.spec?.ports[0].port, 80);
      assert.match(await ok(['get', 'service', 'extra']), /^extra\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+/m);
      assert.equal(await ok(['run', 'runner', '--image', 'nginx:1.22']), 'pod/runner created\n');
      assert.equal((await h.admin.pods.get('runner', h.namespace)).metadata?.labels.run, 'runner');
      assert.equal(await ok(['get', 'deployment', 'extra', '-o', 'go-template={{.metadata.name}} {{.spec.replicas}}']), 'extra 1');
    });

    it('rollout pause and resume', async () => {
      assert.equal(await ok(['rollout', 'pause', 'deployment/roll']), 'deployment.apps/roll paused\n');
      assert.equal((await h.admin.deployments.get('roll', h.namespace)).spec?.paused, true);
      assert.equal(await ok(['rollout', 'resume', 'deployment/roll']), 'deployment.apps/roll resumed\n');
      assert.equal((await h.admin.deployments.get('roll', h.namespace)).spec?.paused, false);
    });

    it('rollout undo goes back to the previous template; rollout restart stamps the template', async () => {
      assert.equal(await ok(['rollout', 'undo', 'deployment/roll']), 'deployment.apps/roll rolled back\n');
      assert.equal((await h.admin.deployments.get('roll', h.namespace)).spec!.template!.spec!.containers[0].image, 'nginx:1.22');
      await rolledOut('roll');
      assert.equal(await ok(['rollout', 'restart', 'deployment/roll']), 'deployment.apps/roll restarted\n');
      const annotations = (await h.admin.deployments.get('roll', h.namespace)).spec!.template!.metadata!.annotations;
      assert.ok(annotations['kubectl.kubernetes.io/restartedAt'], JSON.stringify(annotations));
    });
  });

  describe('daemon sets and stateful sets: describe and rollout', () => {
    const daemonSet = (image: string) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', labels: { app: 'agent' } },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { 'daemon-test': h.namespace }, containers: [{ name: 'agent', image }] } },
        },
      });
    const rolledOutDs = () =>
      waitFor('daemon set rolled out', async () => {
        const ds = await h.admin.daemonSets.get('agent', h.namespace);
        const st = ds.status;
        return st?.observedGeneration === ds.metadata?.generation && st?.desiredNumberScheduled === 1 && st.updatedNumberScheduled === 1 && st.numberAvailable === 1;
      }, 30_000);

    it('describe, rollout status, history (and --revision), undo and restart print what kitectl prints', async () => {
      await h.admin.nodes.create(Node.fromPartial({ metadata: { name: `${h.namespace}-ds`, labels: { 'daemon-test': h.namespace } } }));
      await ok(['apply', '-f', '-'], { stdin: daemonSet('nginx:1.22') });
      await rolledOutDs();
      assert.equal(await ok(['rollout', 'status', 'daemonset/agent', '--timeout', '30s']), 'daemon set "agent" successfully rolled out\n');
      assert.equal(await kitectlOk(['rollout', 'status', 'daemonset/agent', '--timeout', '30s']), 'daemon set "agent" successfully rolled out\n');
      const described = await ok(['describe', 'daemonset', 'agent']);
      assert.match(described, /^Desired Number of Nodes Scheduled: 1$/m);
      assert.match(described, /^Pods Status:\s+1 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
      assert.equal(ageless(described), ageless(await kitectlOk(['describe', 'daemonset', 'agent'])));

      await ok(['apply', '-f', '-'], { stdin: daemonSet('nginx:1.25') });
      await rolledOutDs();
      for (const args of [['rollout', 'history', 'daemonset/agent'], ['rollout', 'history', 'daemonset/agent', '--revision', '1']]) {
        assert.equal(await ok(args), await kitectlOk(args), `kubectl and kitectl ${args.join(' ')}`);
      }
      assert.deepEqual((await ok(['rollout', 'history', 'daemonset/agent'])).trimEnd().split('\n').slice(2).map((l) => l.split(/\s+/)[0]), ['1', '2']);
      const missing = await kubectl(['rollout', 'undo', 'daemonset/agent', '--to-revision', '9']);
      assert.equal((await h.kitectl(['rollout', 'undo', 'daemonset/agent', '--to-revision', '9'])).err, missing.err);
      assert.equal(await ok(['rollout', 'undo', 'daemonset/agent']), 'daemonset.apps/agent rolled back\n');
      assert.equal((await h.admin.daemonSets.get('agent', h.namespace)).spec!.template!.spec!.containers[0].image, 'nginx:1.22');
      await rolledOutDs();
      // The revision of nginx:1.22 became the newest (3): undo to it is skipped.
      assert.equal(await ok(['rollout', 'undo', 'daemonset/agent', '--to-revision', '3']), 'daemonset.apps/agent skipped rollback (current template already matches revision 3)\n');
      assert.equal(await kitectlOk(['rollout', 'undo', 'daemonset/agent', '--to-revision', '3']), 'daemonset.apps/agent skipped rollback (current template already matches revision 3)\n');
      assert.equal(await kitectlOk(['rollout', 'undo', 'daemonset/agent']), 'daemonset.apps/agent rolled back\n');
      assert.equal((await h.admin.daemonSets.get('agent', h.namespace)).spec!.template!.spec!.containers[0].image, 'nginx:1.25');
      assert.equal(await kitectlOk(['rollout', 'restart', 'daemonset/agent']), 'daemonset.apps/agent restarted\n');
      assert.ok((await h.admin.daemonSets.get('agent', h.namespace)).spec!.template!.metadata!.annotations['kubectl.kubernetes.io/restartedAt']);
      await ok(['delete', 'daemonset', 'agent']);
      await h.admin.nodes.delete(`${h.namespace}-ds`);
    });

    it('a stateful set\'s rollout status, history and undo print what kitectl prints', async () => {
      const statefulSet = (image: string) =>
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'rolled' },
          spec: {
            serviceName: 'rolled',
            replicas: 1,
            selector: { matchLabels: { app: 'rolled' } },
            template: { metadata: { labels: { app: 'rolled' } }, spec: { containers: [{ name: 'main', image }] } },
          },
        });
      const settled = () =>
        waitFor('stateful set rolled out', async () => {
          const sts = await h.admin.statefulSets.get('rolled', h.namespace);
          const st = sts.status;
          return st?.observedGeneration === sts.metadata?.generation && st?.readyReplicas === 1 && st.updatedReplicas === 1 && st.currentRevision === st.updateRevision;
        }, 30_000);
      await ok(['apply', '-f', '-'], { stdin: statefulSet('nginx:1.22') });
      await settled();
      await ok(['apply', '-f', '-'], { stdin: statefulSet('nginx:1.25') });
      await settled();
      for (const args of [['rollout', 'status', 'statefulset/rolled'], ['rollout', 'history', 'statefulset/rolled'], ['rollout', 'history', 'statefulset/rolled', '--revision', '1']]) {
        assert.equal(await ok(args), await kitectlOk(args), `kubectl and kitectl ${args.join(' ')}`);
      }
      assert.match(await ok(['rollout', 'status', 'statefulset/rolled']), /^partitioned roll out complete: 1 new pods have been updated\.\.\.\n$/);
      assert.equal(await kitectlOk(['rollout', 'undo', 'statefulset/rolled']), 'statefulset.apps/rolled rolled back\n');
      assert.equal((await h.admin.statefulSets.get('rolled', h.namespace)).spec!.template!.spec!.containers[0].image, 'nginx:1.22');
      await settled();
      assert.equal(await ok(['rollout', 'undo', 'statefulset/rolled', '--to-revision', '3']), 'statefulset.apps/rolled skipped rollback (current template already matches revision 3)\n');
      await ok(['delete', 'statefulset', 'rolled']);
    });
  });

  describe('nodes: cordon, uncordon, drain', () => {
    it('cordon and uncordon, as kitectl words them', async () => {
      const node = `${h.namespace}-node`;
      await h.admin.nodes.create(Node.fromPartial({ metadata: { name: node } }));
      assert.equal(await ok(['cordon', node]), `node/${node} cordoned\n`);
      assert.equal(await ok(['cordon', node]), `node/${node} already cordoned\n`);
      assert.equal((await h.admin.nodes.get(node)).spec?.unschedulable, true);
      assert.equal(await ok(['uncordon', node]), `node/${node} uncordoned\n`);
      assert.equal(await kitectlOk(['uncordon', node]), `node/${node} already uncordoned\n`);
    });

    it('drain --disable-eviction refuses a bare pod without --force and deletes it with --force', async () => {
      const node = `${h.namespace}-deleted`;
      await h.admin.nodes.create(Node.fromPartial({ metadata: { name: node } }));
      await h.admin.pods.create(Pod.fromPartial({ metadata: { name: 'bare-deleted' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx:1.22' }] } }), { namespace: h.namespace });
      const refused = await kubectl(['drain', node, '--disable-eviction', '--grace-period', '0']);
      assert.equal(refused.code, 1);
      assert.match(refused.err, new RegExp(`cannot delete Pods that declare no controller \\(use --force to override\\): ${h.namespace}/bare-deleted`));
      const r = await kubectl(['drain', node, '--disable-eviction', '--force', '--grace-period', '0', '--timeout', '20s']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^node/${node} already cordoned\n`));
      assert.match(r.out, /pod\/bare-deleted deleted\n/);
      assert.match(r.out, new RegExp(`node/${node} drained\n$`));
      await assert.rejects(h.admin.pods.get('bare-deleted', h.namespace), /not found/);
    });

  });

  describe('server dry runs, chunked lists, orphans', () => {
    it('apply, create and delete with --dry-run=server change nothing; --chunk-size pages; --cascade=orphan keeps the ReplicaSet', async () => {
      assert.equal(await ok(['apply', '--dry-run=server', '-f', '-'], { stdin: configMap('dry', { a: '1' }) }), 'configmap/dry created (server dry run)\n');
      await assert.rejects(h.admin.configMaps.get('dry', h.namespace), /not found/);
      assert.equal(await ok(['create', '--dry-run=server', '-o', 'jsonpath={.metadata.name}', '-f', '-'], { stdin: configMap('dry', { a: '1' }) }), 'dry');
      await assert.rejects(h.admin.configMaps.get('dry', h.namespace), /not found/);
      for (const n of ['page-1', 'page-2', 'page-3']) await ok(['create', '-f', '-'], { stdin: configMap(n, { a: '1' }, { paged: 'yes' }) });
      assert.equal(await ok(['delete', 'configmap', 'page-1', '--dry-run=server']), 'configmap "page-1" deleted (server dry run)\n');
      const paged = await kubectl(['get', 'configmaps', '-l', 'paged=yes', '--chunk-size=1', '-o', 'name', '-v=6']);
      assert.equal(paged.out, 'configmap/page-1\nconfigmap/page-2\nconfigmap/page-3\n');
      // At least a page per object after the first (a selective list may end with an empty page, as Kubernetes' may).
      assert.ok((paged.err.match(/GET \S+configmaps\?\S*continue=\S+ 200 OK/g)?.length ?? 0) >= 2, paged.err);
      await kitectlOk(['apply', '-f', '-'], deployment('orphaned', 1));
      await rolledOut('orphaned');
      assert.equal(await ok(['delete', 'deployment', 'orphaned', '--cascade=orphan']), 'deployment.apps "orphaned" deleted\n');
      await waitFor('the deployment gone', async () => h.admin.deployments.get('orphaned', h.namespace).then(() => false, () => true));
      const rss = (await h.admin.replicaSets.list({ namespace: h.namespace, labelSelector: 'app=orphaned' })).items;
      assert.equal(rss.length, 1);
      assert.deepEqual(rss[0].metadata?.ownerReferences, [], 'the orphan lost its owner reference');
    });

    it('get -w --output-watch-events names each event', async () => {
      await ok(['create', '-f', '-'], { stdin: configMap('evented-cm', { a: '1' }, { watched: 'yes' }) });
      const w = h.background(['get', 'configmaps', '-l', 'watched=yes', '-w', '--output-watch-events']);
      try {
        await waitFor('the ADDED event', () => /^ADDED\s+evented-cm\s/m.test(w.output()));
        await h.admin.configMaps.delete('evented-cm', { namespace: h.namespace });
        await waitFor('the DELETED event', () => /^DELETED\s+evented-cm\s/m.test(w.output()));
      } finally {
        await w.stop();
      }
      assert.match(w.output(), /^EVENT\s+NAME\s+DATA\s+AGE$/m);
    });
  });

  describe('delete', () => {
    it('by names, by label, --all, and --grace-period; wait --for=delete', async () => {
      for (const n of ['d1', 'd2', 'd3', 'd4']) await ok(['create', '-f', '-'], { stdin: configMap(n, {}, { del: n === 'd3' ? 'yes' : 'no' }) });
      assert.equal(await ok(['delete', 'configmap', 'd1', 'd2']), 'configmap "d1" deleted\nconfigmap "d2" deleted\n');
      assert.equal(await ok(['delete', 'configmaps', '-l', 'del=yes']), 'configmap "d3" deleted\n');
      // d4 is held by a finalizer until kubectl wait watches it (its -v=6 log shows the watch request).
      await ok(['patch', 'configmap', 'd4', '--type', 'merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
      await ok(['delete', 'configmap', 'd4', '--wait=false']);
      const waiting = h.background(['wait', '--for=delete', 'configmap/d4', '--timeout', '30s', '-v=6']);
      await waitFor('kubectl wait to watch', () => /GET \S+watch=true\S* 200/.test(waiting.errors()));
      await ok(['patch', 'configmap', 'd4', '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
      const waited = await waiting.done;
      assert.equal(waited.code, 0, waited.err);
      assert.equal(waited.out, 'configmap/d4 condition met\n');
      const missing = await kubectl(['delete', 'configmap', 'd1']);
      assert.equal(missing.code, 1);
      assert.equal(missing.err, 'Error from server (NotFound): configmaps "d1" not found\n');
      await ok(['create', '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'graceful' }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } }) });
      const forced = await kubectl(['delete', 'pod', 'graceful', '--grace-period=0', '--force']);
      assert.equal(forced.code, 0, forced.err);
      assert.equal(forced.out, 'pod "graceful" force deleted\n');
      assert.match(forced.err, /Immediate deletion does not wait for confirmation that the running resource has been terminated/);
      await assert.rejects(h.admin.pods.get('graceful', h.namespace));
      const other = `${h.namespace}-all`;
      await h.admin.namespaces.create(Namespace.fromPartial({ metadata: { name: other } }));
      for (const n of ['e1', 'e2']) await ok(['create', '-n', other, '-f', '-'], { stdin: configMap(n, {}) });
      assert.equal(await ok(['delete', 'configmaps', '--all', '-n', other]), 'configmap "e1" deleted\nconfigmap "e2" deleted\n');
      assert.deepEqual((await h.admin.configMaps.list({ namespace: other })).items, []);
      assert.equal((await h.admin.configMaps.list({ namespace: h.namespace, labelSelector: 'del=no' })).items.length, 0, 'd1, d2 and d4 are gone from the test namespace');
    });
  });

  describe('cluster information', () => {
    it('version, api-versions, get --raw and cluster-info', async () => {
      const version = JSON.parse(await ok(['version', '-o', 'json'])) as { serverVersion: { major: string; gitVersion: string } };
      assert.equal(version.serverVersion.major, '1');
      assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+/);
      const groups = (await ok(['api-versions'])).trimEnd().split('\n');
      for (const gv of ['v1', 'apps/v1', 'rbac.authorization.k8s.io/v1']) assert.ok(groups.includes(gv), groups.join(' '));
      assert.equal(await ok(['get', '--raw', '/readyz']), 'ok');
      assert.equal(await ok(['get', '--raw', '/livez']), 'ok');
      assert.match(await ok(['cluster-info']), new RegExp(`Kubernetes control plane.* is running at .*${h.httpsServer.replace(/[.]/g, '\\.')}`));
    });
  });

  describe('discovery and authorization', () => {
    it('explain pod.spec.containers (from the OpenAPI document)', async () => {
      const text = await ok(['explain', 'pod.spec.containers']);
      assert.match(text, /^KIND:\s+Pod$/m);
      assert.match(text, /^VERSION:\s+v1$/m);
      assert.match(text, /^FIELD: containers <\[\]Container>$/m);
      assert.match(text, /^\s+image\s+<string>$/m);
      const d = await ok(['explain', 'deployments.spec.replicas']);
      assert.match(d, /^GROUP:\s+apps$/m);
      assert.match(d, /^FIELD: replicas <integer>$/m);
    });

    it('api-resources lists what kitectl api-resources lists', async () => {
      const table = await ok(['api-resources']);
      assert.match(table, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(table, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      assert.match(table, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
      const names = (t: string) => t.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0]).sort();
      // Beside the kinds, kubectl lists the access reviews discovery names (create only), which kitectl's table of kinds has not.
      assert.deepEqual(
        names(table).filter((n) => !n.endsWith('reviews')),
        names(await kitectlOk(['api-resources'])),
      );
      const apps = (await ok(['api-resources', '--api-group', 'apps', '-o', 'name'])).trimEnd().split('\n');
      assert.ok(apps.includes('deployments.apps') && apps.includes('replicasets.apps'), apps.join(' '));
      assert.ok(apps.every((n) => n.endsWith('.apps')), apps.join(' '));
    });

    it('auth can-i answers as kitectl does, for the admin and for an impersonated user', async () => {
      const yes = await kubectl(['auth', 'can-i', 'create', 'deployments']);
      assert.deepEqual([yes.code, yes.out], [0, 'yes\n']);
      const no = await kubectl(['auth', 'can-i', 'create', 'deployments', '--as', 'nobody']);
      assert.deepEqual([no.code, no.out], [1, 'no\n']);
      const kno = await h.kitectl(['auth', 'can-i', 'create', 'deployments', '--as', 'nobody']);
      assert.deepEqual([kno.code, kno.out], [no.code, no.out]);
    });

    it('events: the controllers\' events of the namespace, as a table', async () => {
      await kitectlOk(['apply', '-f', '-'], deployment('evented', 1));
      const table = await waitFor('a ScalingReplicaSet event', async () => {
        const t = await ok(['events']);
        return /ScalingReplicaSet/.test(t) ? t : undefined;
      });
      const [header, ...rows] = table.trimEnd().split('\n');
      assert.match(header, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      assert.ok(rows.some((r) => /^\S+\s+Normal\s+ScalingReplicaSet\s+Deployment\/evented\s+Scaled up replica set evented-[a-z0-9]+ to 1 from 0$/.test(r)), table);
      // --for (a field selector on the involved object), --types, -A and -o json.
      const forIt = (await ok(['events', '--for', 'deployment/evented'])).trimEnd().split('\n').slice(1);
      assert.ok(forIt.length > 0 && forIt.every((r) => /\sDeployment\/evented\s/.test(r)), forIt.join('\n'));
      const normal = (await ok(['events', '--types=Normal'])).trimEnd().split('\n').slice(1);
      assert.ok(normal.length > 0 && normal.every((r) => /^\S+(\s\(x\d+ over \S+\))?\s+Normal\s/.test(r)), normal.join('\n'));
      assert.match((await ok(['events', '-A'])).split('\n')[0], /^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      const json = JSON.parse(await ok(['events', '--for', 'deployment/evented', '-o', 'json'])) as { kind: string; items: { involvedObject: { name: string } }[] };
      assert.equal(json.kind, 'EventList');
      assert.ok(json.items.length > 0 && json.items.every((e) => e.involvedObject.name === 'evented'));
    });
  });
});
