import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Clientset } from '../../../lib/client/clientset';
import { writeConfigFile } from '../../../lib/client/kubeconfig';
import { Services } from '../../../lib/api/kinds';
import { decodeKube } from '../../../lib/api/kube-json';
import { Deployment, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { Event, Node, Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';
import { kitectl, rows, type KitectlResult } from './run-kitectl';

const root = join(__dirname, '../../..');
const nginxYaml = readFileSync(join(root, 'examples/nginx.yaml'), 'utf8');
const execFileP = promisify(execFile);

const podYaml = (name: string, extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  labels:\n    app: ${name}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.22\n${extra}`;

describe('kitectl against a real apiserver', function () {
  this.timeout(30_000);
  let api: TestApiserver;
  let cs: Clientset;
  let tmp: string;
  const k = (args: string[], opts?: Parameters<typeof kitectl>[1]) => kitectl(['--server', api.address, ...args], opts);
  const ok = async (args: string[], opts?: Parameters<typeof kitectl>[1]): Promise<KitectlResult> => {
    const r = await k(args, opts);
    assert.equal(r.code, 0, `kitectl ${args.join(' ')} failed: ${r.err}`);
    return r;
  };
  const fails = async (args: string[], opts?: Parameters<typeof kitectl>[1]): Promise<string> => {
    const r = await k(args, opts);
    assert.equal(r.code, 1, `kitectl ${args.join(' ')} should fail; out: ${r.out}`);
    return r.err;
  };

  before(async () => {
    api = await startTestApiserver();
    cs = api.client();
    tmp = mkdtempSync(join(tmpdir(), 'kitectl-test-'));
  });
  after(async () => {
    await api?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  describe('apply', () => {
    it('creates, leaves unchanged and configures the nginx example like kubectl', async () => {
      assert.equal((await ok(['apply', '-f', join(root, 'examples/nginx.yaml')])).out, 'deployment.apps/nginx created\nservice/nginx created\n');
      const svc = await cs.services.get('nginx', 'default');
      assert.ok(svc.spec?.clusterIP, 'the server allocated a clusterIP');
      const nodePort = svc.spec!.ports[0].nodePort;
      assert.ok(nodePort >= 30000 && nodePort <= 32767);

      assert.equal((await ok(['apply', '-f', join(root, 'examples/nginx.yaml')])).out, 'deployment.apps/nginx unchanged\nservice/nginx unchanged\n');

      const modified = nginxYaml.replace('replicas: 3', 'replicas: 2').replace('  labels:\n    app: nginx\nspec:\n  type: NodePort', '  labels:\n    app: nginx\n    tier: web\nspec:\n  type: NodePort');
      assert.equal((await ok(['apply', '-f', '-'], { stdin: modified })).out, 'deployment.apps/nginx configured\nservice/nginx configured\n');
      assert.equal((await cs.deployments.get('nginx', 'default')).spec?.replicas, 2);
      const svc2 = await cs.services.get('nginx', 'default');
      assert.equal(svc2.metadata?.labels.tier, 'web');
      assert.equal(svc2.spec?.clusterIP, svc.spec?.clusterIP, 'server-set clusterIP kept');
      assert.equal(svc2.spec?.ports[0].nodePort, nodePort, 'server-set nodePort kept');
    });

    it('removes fields dropped from the manifest but keeps fields others set', async () => {
      await ok(['apply', '-f', '-'], { stdin: podYaml('merge-a').replace('    app: merge-a\n', '    app: merge-a\n    tier: web\n') });
      await cs.pods.patch('merge-a', { metadata: { labels: { owner: 'someone-else' } } }, { namespace: 'default' });
      assert.equal((await ok(['apply', '-f', '-'], { stdin: podYaml('merge-a') })).out, 'pod/merge-a configured\n');
      assert.deepEqual((await cs.pods.get('merge-a', 'default')).metadata?.labels, { app: 'merge-a', owner: 'someone-else' });
      assert.equal((await ok(['apply', '-f', '-'], { stdin: podYaml('merge-a') })).out, 'pod/merge-a unchanged\n');
    });

    it('applies a directory, recursively with -R', async () => {
      const dir = join(tmp, 'manifests');
      mkdirSync(join(dir, 'sub'), { recursive: true });
      writeFileSync(join(dir, 'a.yaml'), podYaml('dir-a'));
      writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
      writeFileSync(join(dir, 'sub', 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dir-b' } }));
      assert.equal((await ok(['apply', '-f', dir])).out, 'pod/dir-a created\n');
      assert.equal((await ok(['apply', '-R', '-f', dir])).out, 'pod/dir-a unchanged\nnamespace/dir-b created\n');
    });

    it('applies nothing when any document fails to decode', async () => {
      const text = `${podYaml('half-a')}---\n${podYaml('half-b', '    imagee: x\n')}`;
      const err = await fails(['apply', '-f', '-'], { stdin: text });
      assert.match(err, /^error: error validating "STDIN": Pod "half-b": strict decoding error: unknown field "spec.containers\[0\].imagee"/);
      await assert.rejects(cs.pods.get('half-a', 'default'), /not found/);
    });

    it('applies nothing when the server rejects any document (dry run first)', async () => {
      const text = `${podYaml('pre-a')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pre-b\nspec:\n  containers:\n  - name: c\n`;
      const err = await fails(['apply', '-f', '-'], { stdin: text });
      assert.match(err, /The Pod "pre-b" is invalid: .*spec\.containers\[0\]\.image: Required value/s);
      await assert.rejects(cs.pods.get('pre-a', 'default'), /not found/);
    });

    it('applies a namespace and the objects in it from one file', async () => {
      const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fresh\n---\n${podYaml('in-fresh').replace('  name: in-fresh\n', '  name: in-fresh\n  namespace: fresh\n')}`;
      assert.equal((await ok(['apply', '-f', '-'], { stdin: text })).out, 'namespace/fresh created\npod/in-fresh created\n');
      assert.equal((await cs.pods.get('in-fresh', 'fresh')).metadata?.namespace, 'fresh');
    });

    it('reports bad YAML with its line, unknown kinds and missing files', async () => {
      const bad = join(tmp, 'bad.yaml');
      writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n labels: y\n');
      assert.match(await fails(['apply', '-f', bad]), new RegExp(`^error: error parsing ${bad}: error converting YAML to JSON: yaml: line 5: `));
      assert.match(
        await fails(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n' }),
        /^error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Foo" in version "v1"/,
      );
      assert.equal(await fails(['apply', '-f', join(tmp, 'missing.yaml')]), `error: the path "${join(tmp, 'missing.yaml')}" does not exist\n`);
    });

    it('reports validation errors from the server with field paths', async () => {
      const err = await fails(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: no-image\nspec:\n  containers:\n  - name: c\n' });
      assert.match(err, /^The Pod "no-image" is invalid: .*spec\.containers\[0\]\.image: Required value/s);
    });

    it('refuses a manifest whose namespace contradicts -n', async () => {
      const err = await fails(['-n', 'other', 'apply', '-f', '-'], { stdin: podYaml('ns-x').replace('  name: ns-x\n', '  name: ns-x\n  namespace: default\n') });
      assert.match(err, /the namespace from the provided object "default" does not match the namespace "other"/);
    });
  });

  describe('create', () => {
    it('creates from a file and reports AlreadyExists like kubectl', async () => {
      assert.equal((await ok(['create', '-f', '-'], { stdin: podYaml('created-1') })).out, 'pod/created-1 created\n');
      const err = await fails(['create', '-f', '-'], { stdin: podYaml('created-1') });
      assert.match(err, /^Error from server \(AlreadyExists\): error when creating "STDIN": pods "created-1" already exists/);
    });

    it('creates namespaces and deployments from flags', async () => {
      assert.equal((await ok(['create', 'namespace', 'team-a'])).out, 'namespace/team-a created\n');
      assert.equal((await ok(['-n', 'team-a', 'create', 'deployment', 'web', '--image=nginx:1.22', '--replicas', '2', '--port', '80'])).out, 'deployment.apps/web created\n');
      const d = await cs.deployments.get('web', 'team-a');
      assert.equal(d.spec?.replicas, 2);
      assert.equal(d.spec?.template?.spec?.containers[0].name, 'nginx');
      assert.equal(d.spec?.template?.spec?.containers[0].ports[0].containerPort, 80);
      assert.deepEqual(d.spec?.selector?.matchLabels, { app: 'web' });
    });
  });

  describe('get', () => {
    it('prints kubectl tables for several kinds', async () => {
      const { out } = await ok(['get', 'deploy,svc', '-l', 'app=nginx']);
      const [deployTable, svcTable] = out.split('\n\n');
      assert.deepEqual(rows(deployTable)[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      assert.deepEqual(rows(deployTable)[1].slice(0, 4), ['deployment.apps/nginx', '0/2', '0', '0']);
      assert.deepEqual(rows(svcTable)[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      const svc = await cs.services.get('nginx', 'default');
      assert.deepEqual(rows(svcTable)[1].slice(0, 5), ['service/nginx', 'NodePort', svc.spec!.clusterIP, '<none>', `80:${svc.spec!.ports[0].nodePort}/TCP`]);
    });

    it('lists pods with READY/STATUS and shows NAMESPACE with -A', async () => {
      const pods = rows((await ok(['get', 'pods'])).out);
      assert.deepEqual(pods[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      const row = pods.find((r) => r[0] === 'created-1');
      assert.deepEqual(row?.slice(0, 4), ['created-1', '0/1', 'Pending', '0']);
      const all = rows((await ok(['get', 'deploy', '-A'])).out);
      assert.deepEqual(all[0].slice(0, 2), ['NAMESPACE', 'NAME']);
      assert.ok(all.some((r) => r[0] === 'team-a' && r[1] === 'web'));
      assert.ok(all.some((r) => r[0] === 'default' && r[1] === 'nginx'));
    });

    it('filters with label and field selectors and says when nothing matched', async () => {
      assert.deepEqual(rows((await ok(['get', 'pods', '-l', 'app=created-1', '--no-headers'])).out).map((r) => r[0]), ['created-1']);
      assert.deepEqual(rows((await ok(['get', 'pods', '--field-selector', 'metadata.name=merge-a', '-o', 'name'])).out), [['pod/merge-a']]);
      const none = await ok(['get', 'pods', '-l', 'app=nothing']);
      assert.equal(none.out, '');
      assert.equal(none.err, 'No resources found in default namespace.\n');
    });

    it('prints -o json that round-trips through the API types, and -o yaml/name/jsonpath', async () => {
      const json = JSON.parse((await ok(['get', 'svc', 'nginx', '-o', 'json'])).out);
      assert.equal(json.apiVersion, 'v1');
      assert.equal(json.kind, 'Service');
      const live = await cs.services.get('nginx', 'default');
      // As kubectl, -o json leaves managedFields out unless --show-managed-fields.
      assert.equal(json.metadata.managedFields, undefined);
      assert.deepEqual(Service.fromJSON(json), { ...live, metadata: { ...live.metadata!, managedFields: [] }, apiVersion: 'v1', kind: 'Service' });
      const shown = JSON.parse((await ok(['get', 'svc', 'nginx', '-o', 'json', '--show-managed-fields'])).out);
      assert.deepEqual(decodeKube(Services, shown).object, { ...live, apiVersion: 'v1', kind: 'Service' });
      // kitectl's writes are recorded under its User-Agent's name (a request without a field manager once named "undefined").
      assert.deepEqual([...new Set(live.metadata!.managedFields.map((e) => e.manager))], ['kitectl']);
      const list = JSON.parse((await ok(['get', 'pods', '-o', 'json'])).out);
      assert.equal(list.kind, 'List');
      assert.ok(list.items.every((i: { kind: string }) => i.kind === 'Pod'));
      assert.match((await ok(['get', 'deploy', 'nginx', '-o', 'yaml'])).out, /^apiVersion: apps\/v1\nkind: Deployment\n/);
      assert.equal((await ok(['get', 'deploy', 'nginx', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).out, 'nginx:1.22');
    });

    it('reports NotFound for a named object, exit 1', async () => {
      const r = await k(['get', 'pod', 'nope']);
      assert.equal(r.code, 1);
      assert.equal(r.err, 'Error from server (NotFound): pods "nope" not found\n');
      assert.equal(await fails(['get', 'foo']), 'error: the server doesn\'t have a resource type "foo"\n');
    });

    it('get -w prints the table, then another client\'s create', async () => {
      const controller = new AbortController();
      let seen = '';
      const watching = k(['get', 'pods', '-w', '-l', 'app=watched'], { signal: controller.signal, onOut: (all) => (seen = all) });
      // The watch starts after the list; give it a moment, then create from another client.
      await new Promise((r) => setTimeout(r, 300));
      await cs.pods.create(Pod.fromPartial({ metadata: { name: 'watched', labels: { app: 'watched' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }), { namespace: 'default' });
      await waitFor('the watched pod in get -w output', () => seen.includes('watched'));
      controller.abort();
      const r = await watching;
      assert.equal(r.code, 0, r.err);
      const table = rows(r.out);
      assert.deepEqual(table[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.equal(table[1][0], 'watched');
    });
  });

  describe('describe', () => {
    it('describes a deployment and a service', async () => {
      const d = (await ok(['describe', 'deployment', 'nginx'])).out;
      assert.match(d, /^Name: +nginx$/m);
      assert.match(d, /^Replicas: +2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
      assert.match(d, /^ {4}Image: +nginx:1\.22$/m);
      const s = (await ok(['describe', 'svc', 'nginx'])).out;
      assert.match(s, /^Type: +NodePort$/m);
      assert.match(s, /^Selector: +app=nginx$/m);
    });

    it('describes a pod with its events (and only its events)', async () => {
      const pod = await cs.pods.get('created-1', 'default');
      const ev = (name: string, target: string, uid: string, message: string) =>
        Event.fromPartial({
          metadata: { name, namespace: 'default' },
          involvedObject: { kind: 'Pod', name: target, namespace: 'default', uid },
          type: 'Warning',
          reason: 'FailedScheduling',
          message,
          count: 1,
          source: { component: 'default-scheduler' },
          firstTimestamp: new Date().toISOString(),
          lastTimestamp: new Date().toISOString(),
        });
      await cs.events.create(ev('created-1.1', 'created-1', pod.metadata!.uid, '0/3 nodes are available: 3 Insufficient cpu.'), { namespace: 'default' });
      await cs.events.create(ev('other.1', 'merge-a', '', 'not about created-1'), { namespace: 'default' });
      const out = (await ok(['describe', 'pod', 'created-1'])).out;
      assert.match(out, /^Status: +Pending$/m);
      assert.match(out, /^ {2}Warning +FailedScheduling +\d+s +default-scheduler +0\/3 nodes are available: 3 Insufficient cpu\.$/m);
      assert.doesNotMatch(out, /not about created-1/);
      const events = rows((await ok(['get', 'events'])).out);
      assert.deepEqual(events[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      assert.ok(events.some((r) => r[3] === 'pod/created-1' && r[2] === 'FailedScheduling'));
    });
  });

  describe('delete', () => {
    it('deletes by name and by file, and reports NotFound with exit 1', async () => {
      assert.equal((await ok(['delete', 'pod', 'dir-a'])).out, 'pod "dir-a" deleted\n');
      await assert.rejects(cs.pods.get('dir-a', 'default'), /not found/);
      const r = await k(['delete', 'pod', 'dir-a']);
      assert.equal(r.code, 1);
      assert.equal(r.err, 'Error from server (NotFound): pods "dir-a" not found\n');
      assert.equal((await ok(['delete', 'pod', 'dir-a', '--ignore-not-found'])).out, '');
      await ok(['apply', '-f', '-'], { stdin: podYaml('by-file') });
      assert.equal((await ok(['delete', '-f', '-'], { stdin: podYaml('by-file') })).out, 'pod "by-file" deleted\n');
    });

    it('deletes by label selector', async () => {
      await ok(['apply', '-f', '-'], { stdin: `${podYaml('sel-1')}---\n${podYaml('sel-2')}` });
      await cs.pods.patch('sel-2', { metadata: { labels: { app: 'sel-1' } } }, { namespace: 'default' });
      assert.equal((await ok(['delete', 'pods', '-l', 'app=sel-1'])).out, 'pod "sel-1" deleted\npod "sel-2" deleted\n');
    });
  });

  describe('scale and rollout', () => {
    it('scales a deployment', async () => {
      assert.equal((await ok(['scale', 'deployment/nginx', '--replicas', '5'])).out, 'deployment.apps/nginx scaled\n');
      assert.equal((await cs.deployments.get('nginx', 'default')).spec?.replicas, 5);
      assert.match(await fails(['scale', 'deployment/nginx', '--replicas', '1', '--current-replicas', '3']), /Expected replicas to be 3, was 5/);
    });

    it('shows history and rolls back by copying a ReplicaSet template', async () => {
      const d = await cs.deployments.get('nginx', 'default');
      const owner = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx', uid: d.metadata!.uid, controller: true, blockOwnerDeletion: true }];
      const rs = (rev: number, image: string, hash: string) =>
        ReplicaSet.fromPartial({
          metadata: { name: `nginx-${hash}`, labels: { app: 'nginx', 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': String(rev) }, ownerReferences: owner },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: 'nginx', 'pod-template-hash': hash } },
            template: { metadata: { labels: { app: 'nginx', 'pod-template-hash': hash } }, spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] } },
          },
        });
      await cs.replicaSets.create(rs(1, 'nginx:1.21', 'aaa'), { namespace: 'default' });
      await cs.replicaSets.create(rs(2, 'nginx:1.22', 'bbb'), { namespace: 'default' });
      const history = (await ok(['rollout', 'history', 'deployment/nginx'])).out;
      assert.equal(history, 'deployment.apps/nginx \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
      assert.equal((await ok(['rollout', 'undo', 'deployment/nginx', '--to-revision', '1'])).out, 'deployment.apps/nginx rolled back\n');
      const after = await cs.deployments.get('nginx', 'default');
      assert.equal(after.spec?.template?.spec?.containers[0].image, 'nginx:1.21');
      assert.equal(after.spec?.template?.metadata?.labels['pod-template-hash'], undefined);
      assert.match((await ok(['rollout', 'undo', 'deployment/nginx', '--to-revision', '1'])).out, /skipped rollback \(current template already matches revision 1\)/);
      assert.match(await fails(['rollout', 'undo', 'deployment/nginx', '--to-revision', '9']), /unable to find specified revision 9 in history/);
    });

    it('rollout status follows the deployment until it is rolled out', async () => {
      const setStatus = async (status: object) => {
        const cur = await cs.deployments.get('nginx', 'default');
        await cs.deployments.updateStatus(Deployment.fromPartial({ ...cur, status: { observedGeneration: cur.metadata!.generation, ...status } }));
      };
      await setStatus({ replicas: 5, updatedReplicas: 2 });
      let seen = '';
      const status = k(['rollout', 'status', 'deployment/nginx', '--timeout', '20s'], { onOut: (all) => (seen = all) });
      await waitFor('the first status line', () => seen.includes('2 out of 5 new replicas have been updated'));
      await setStatus({ replicas: 5, updatedReplicas: 5, availableReplicas: 3 });
      await waitFor('the available line', () => seen.includes('3 of 5 updated replicas are available'));
      await setStatus({ replicas: 5, updatedReplicas: 5, availableReplicas: 5 });
      const r = await status;
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(r.out.trimEnd().split('\n'), [
        'Waiting for deployment "nginx" rollout to finish: 2 out of 5 new replicas have been updated...',
        'Waiting for deployment "nginx" rollout to finish: 3 of 5 updated replicas are available...',
        'deployment "nginx" successfully rolled out',
      ]);
      await setStatus({ replicas: 5, updatedReplicas: 1 });
      assert.equal(await fails(['rollout', 'status', 'deployment/nginx', '--timeout', '300ms']), 'error: timed out waiting for the condition\n');
    });
  });

  describe('nodes', () => {
    before(async () => {
      const node = await cs.nodes.create(Node.fromPartial({ metadata: { name: 'node-1' } }));
      await cs.nodes.updateStatus(Node.fromPartial({ ...node, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));
    });

    it('cordons and uncordons, shown as SchedulingDisabled', async () => {
      assert.equal((await ok(['cordon', 'node-1'])).out, 'node/node-1 cordoned\n');
      assert.equal((await ok(['cordon', 'node-1'])).out, 'node/node-1 already cordoned\n');
      assert.equal((await cs.nodes.get('node-1')).spec?.unschedulable, true);
      const table = rows((await ok(['get', 'nodes'])).out);
      assert.deepEqual(table[1].slice(0, 2), ['node-1', 'Ready,SchedulingDisabled']);
      assert.equal((await ok(['uncordon', 'node-1'])).out, 'node/node-1 uncordoned\n');
      assert.equal((await cs.nodes.get('node-1')).spec?.unschedulable, false);
    });

    it('drains: refuses unmanaged pods without --force, evicts with it', async () => {
      const bound = (name: string, owned: boolean) =>
        Pod.fromPartial({
          metadata: { name, ownerReferences: owned ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'x-uid', controller: true }] : [] },
          spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
        });
      await cs.pods.create(bound('drain-owned', true), { namespace: 'default' });
      await cs.pods.create(bound('drain-bare', false), { namespace: 'default' });
      const err = await fails(['drain', 'node-1', '--grace-period', '0']);
      assert.match(err, /cannot delete Pods that declare no controller \(use --force to override\): default\/drain-bare/);
      await cs.pods.get('drain-owned', 'default');
      const r = await ok(['drain', 'node-1', '--force', '--grace-period', '0', '--timeout', '10s']);
      assert.match(r.out, /^node\/node-1 already cordoned\n/);
      assert.match(r.out, /evicting pod default\/drain-owned\n/);
      assert.match(r.out, /pod\/drain-bare evicted\n/);
      assert.match(r.out, /node\/node-1 drained\n$/);
      assert.match(r.err, /Warning: deleting Pods that declare no controller: default\/drain-bare/);
      await assert.rejects(cs.pods.get('drain-owned', 'default'), /not found/);
    });

    it('describes a node with its pods', async () => {
      await cs.pods.create(Pod.fromPartial({ metadata: { name: 'on-node' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m' } } }] } }), { namespace: 'default' });
      const out = (await ok(['describe', 'node', 'node-1'])).out;
      assert.match(out, /^Unschedulable: +true$/m);
      assert.match(out, /^Non-terminated Pods: +\(1 in total\)$/m);
      assert.match(out, /^ {2}default +on-node +100m \(0%\)/m);
    });
  });

  describe('labels, config and other verbs', () => {
    it('labels and annotates', async () => {
      assert.equal((await ok(['label', 'pod', 'merge-a', 'env=prod'])).out, 'pod/merge-a labeled\n');
      assert.match(await fails(['label', 'pod', 'merge-a', 'env=dev']), /'env' already has a value \(prod\), and --overwrite is false/);
      await ok(['label', 'pod', 'merge-a', 'env=dev', '--overwrite']);
      assert.equal((await cs.pods.get('merge-a', 'default')).metadata?.labels.env, 'dev');
      await ok(['label', 'pod', 'merge-a', 'env-']);
      assert.equal((await cs.pods.get('merge-a', 'default')).metadata?.labels.env, undefined);
      assert.equal((await ok(['annotate', 'pod', 'merge-a', 'note=hello'])).out, 'pod/merge-a annotated\n');
      assert.equal((await cs.pods.get('merge-a', 'default')).metadata?.annotations.note, 'hello');
    });

    it('reads the server and namespace from KITECONFIG-style config files and switches contexts', async () => {
      const path = join(tmp, 'config');
      writeConfigFile(path, {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: api.address } }],
        users: [{ name: 'admin', user: { token: 'secret-token' } }],
        contexts: [
          { name: 'test', context: { cluster: 'test', user: 'admin' } },
          { name: 'team-a', context: { cluster: 'test', user: 'admin', namespace: 'team-a' } },
        ],
        'current-context': 'test',
      });
      const cfg = (args: string[]) => kitectl(['--kubeconfig', path, ...args]);
      assert.equal((await cfg(['config', 'current-context'])).out, 'test\n');
      assert.equal((await cfg(['config', 'use-context', 'team-a'])).out, 'Switched to context "team-a".\n');
      assert.deepEqual(rows((await cfg(['get', 'deploy', '-o', 'name'])).out), [['deployment.apps/web']]);
      const contexts = rows((await cfg(['config', 'get-contexts'])).out);
      assert.deepEqual(contexts[0], ['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']);
      assert.deepEqual(contexts[2], ['*', 'team-a', 'test', 'admin', 'team-a']);
      const view = (await cfg(['config', 'view'])).out;
      assert.match(view, /token: REDACTED/);
      assert.doesNotMatch(view, /secret-token/);
      assert.match((await cfg(['config', 'view', '--raw'])).out, /token: secret-token/);

      const saved = process.env.KITECONFIG;
      process.env.KITECONFIG = path;
      try {
        const r = await kitectl(['get', 'deploy', '-o', 'name']);
        assert.equal(r.out, 'deployment.apps/web\n', r.err);
      } finally {
        if (saved === undefined) delete process.env.KITECONFIG;
        else process.env.KITECONFIG = saved;
      }
    });

    it('lists API resources', async () => {
      const table = rows((await ok(['api-resources'])).out);
      assert.deepEqual(table[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      assert.ok(table.some((r) => r.join(' ') === 'pods po v1 true Pod'));
      assert.ok(table.some((r) => r.join(' ') === 'deployments deploy apps/v1 true Deployment'));
    });
  });

  describe('the kitectl program', () => {
    it('runs as a child process with exit codes', async () => {
      const bin = join(root, 'bin/kitectl');
      const { stdout } = await execFileP(bin, ['--server', api.address, 'get', 'ns', 'default', '--no-headers']);
      assert.match(stdout, /^default +Active +\S+\n$/);
      await assert.rejects(execFileP(bin, ['--server', api.address, 'get', 'pod', 'nope']), (e: { code: number; stderr: string }) => {
        assert.equal(e.code, 1);
        assert.equal(e.stderr, 'Error from server (NotFound): pods "nope" not found\n');
        return true;
      });
    });

    it('fails fast with the address when the apiserver is unreachable', async () => {
      const t0 = Date.now();
      const r = await kitectl(['--server', '127.0.0.1:1', 'get', 'pods']);
      assert.equal(r.code, 1);
      assert.match(r.err, /^error: cannot reach the apiserver at 127\.0\.0\.1:1 \(from --server\): connection failed/);
      assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
    });
  });
});
