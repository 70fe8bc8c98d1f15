// Server-side apply with the real kubectl against a Kite apiserver's HTTP front door: create,
// a no-op second apply, a changed and a shortened manifest, a conflict with `kubectl scale`'s
// replicas in kubectl's words and exit code, --force-conflicts, a second field manager sharing
// fields, and managedFields as `get --show-managed-fields` prints them; kitectl apply --server-side.
import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import type { ManagedFieldsEntry } from '../../../lib/gen/kite/meta/v1/meta';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

const manifest = (o: { replicas?: number; image?: string; tier?: boolean; name?: string } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${o.name ?? 'ssa'}
  labels:
    app: ssa
${o.tier === false ? '' : '    tier: web\n'}spec:
${o.replicas === undefined ? '' : `  replicas: ${o.replicas}\n`}  selector:
    matchLabels:
      app: ssa
  template:
    metadata:
      labels:
        app: ssa
    spec:
      containers:
      - name: web
        image: ${o.image ?? 'nginx:1.22'}
`;

describe('server-side apply: the real kubectl (HTTPS front door)', function () {
  this.timeout(60_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  const ok = (args: string[], stdin?: string) => h.ok(args, stdin === undefined ? undefined : { stdin });
  const entries = async (name = 'ssa'): Promise<ManagedFieldsEntry[]> => (await h.admin.deployments.get(name, h.namespace)).metadata!.managedFields;
  const entry = async (manager: string, name = 'ssa') => (await entries(name)).find((e) => e.manager === manager);

  it('creates, leaves an unchanged manifest alone, updates a changed field and removes a dropped one', async () => {
    assert.equal(await ok(['apply', '--server-side', '-f', '-'], manifest({ replicas: 2 })), 'deployment.apps/ssa serverside-applied\n');
    const first = await entry('kubectl');
    assert.equal(first?.operation, 'Apply');
    assert.deepEqual(JSON.parse(first!.fieldsV1)['f:metadata'], { 'f:labels': { 'f:app': {}, 'f:tier': {} } });
    assert.equal(await ok(['apply', '--server-side', '-f', '-'], manifest({ replicas: 2 })), 'deployment.apps/ssa serverside-applied\n');
    assert.deepEqual(await entry('kubectl'), first, 'a second apply of the same manifest changes no managed fields');
    await ok(['apply', '--server-side', '-f', '-'], manifest({ replicas: 2, image: 'nginx:1.23' }));
    assert.equal((await h.admin.deployments.get('ssa', h.namespace)).spec!.template!.spec!.containers[0].image, 'nginx:1.23');
    await ok(['apply', '--server-side', '-f', '-'], manifest({ replicas: 2, image: 'nginx:1.23', tier: false }));
    assert.deepEqual((await h.admin.deployments.get('ssa', h.namespace)).metadata!.labels, { app: 'ssa' });
  });

  it('a field kubectl scale set is a conflict as kubectl prints it; --force-conflicts takes it over', async () => {
    await ok(['scale', 'deployment/ssa', '--replicas=5']);
    const r = await h.kubectl(['apply', '--server-side', '-f', '-'], { stdin: manifest({ replicas: 3, image: 'nginx:1.23', tier: false }) });
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas\n/);
    assert.match(r.err, /Please review the fields above--they currently have other managers/);
    assert.equal((await h.admin.deployments.get('ssa', h.namespace)).spec!.replicas, 5);
    await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest({ replicas: 3, image: 'nginx:1.23', tier: false }));
    assert.equal((await h.admin.deployments.get('ssa', h.namespace)).spec!.replicas, 3);
    assert.equal(await entry('kubectl', 'ssa').then((e) => JSON.parse(e!.fieldsV1)['f:spec']['f:replicas'] !== undefined), true);
  });

  it('a second manager shares the fields it applies with the same values', async () => {
    await ok(['apply', '--server-side', '--field-manager=other', '-f', '-'], manifest({ replicas: 3, image: 'nginx:1.23', tier: false }));
    const other = JSON.parse((await entry('other'))!.fieldsV1);
    const mine = JSON.parse((await entry('kubectl'))!.fieldsV1);
    assert.deepEqual(other['f:spec']['f:replicas'], {});
    assert.deepEqual(mine['f:spec']['f:replicas'], {});
    // A field both own: neither may drop it alone; a different value from one of them is a conflict.
    const r = await h.kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], { stdin: manifest({ replicas: 4, image: 'nginx:1.23', tier: false }) });
    assert.equal(r.code, 1);
    assert.match(r.err, /conflict with "kubectl": \.spec\.replicas/);
  });

  it('an apply that creates is admitted as a create (a namespace that does not exist is refused), and --dry-run=server stores nothing', async () => {
    const r = await h.kubectl(['apply', '--server-side', '-n', 'ssa-no-such-namespace', '-f', '-'], { stdin: manifest({ name: 'ssa-nowhere' }) });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'Error from server (NotFound): namespaces "ssa-no-such-namespace" not found\n');
    assert.equal(await ok(['apply', '--server-side', '--dry-run=server', '-f', '-'], manifest({ name: 'ssa-dry' })), 'deployment.apps/ssa-dry serverside-applied (server dry run)\n');
    await assert.rejects(h.admin.deployments.get('ssa-dry', h.namespace), /not found/);
  });

  it('get -o yaml hides managedFields unless --show-managed-fields, which prints them as Kubernetes does; explain knows FieldsV1', async () => {
    assert.equal(parse(await ok(['get', 'deployment', 'ssa', '-o', 'yaml'])).metadata.managedFields, undefined);
    const shown = parse(await ok(['get', 'deployment', 'ssa', '-o', 'yaml', '--show-managed-fields'])).metadata.managedFields as Record<string, unknown>[];
    const applied = shown.find((e) => e.manager === 'kubectl')!;
    assert.deepEqual(Object.keys(applied).sort(), ['apiVersion', 'fieldsType', 'fieldsV1', 'manager', 'operation', 'time']);
    assert.equal(applied.operation, 'Apply');
    assert.equal(applied.fieldsType, 'FieldsV1');
    assert.match(String(applied.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual((applied.fieldsV1 as any)['f:spec']['f:template']['f:spec']['f:containers'], { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } });
    assert.ok(shown.some((e) => e.subresource === 'status' && e.operation === 'Update'), 'the deployment controller\'s status writes are recorded');
    const explained = await ok(['explain', 'deployment.metadata.managedFields.fieldsV1']);
    assert.match(explained, /FIELD: fieldsV1 <FieldsV1>/);
    assert.match(explained, /FieldsV1 stores a set of fields in a data structure like a Trie/);
  });

  it('a client-side apply followed by a server-side apply: no conflict, and kubectl moves the client-side fields to its Apply entry', async () => {
    assert.equal(await ok(['apply', '-f', '-'], manifest({ name: 'ssa-csa', replicas: 1 })), 'deployment.apps/ssa-csa created\n');
    assert.equal((await entry('kubectl-client-side-apply', 'ssa-csa'))?.operation, 'Update');
    // kubectl then hands the client-side apply's fields to its Apply entry and applies again (csaupgrade).
    const r = await h.kubectl(['apply', '--server-side', '-f', '-'], { stdin: manifest({ name: 'ssa-csa', replicas: 2 }) });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '', 'no "failed to re-apply configuration after performing Server-Side Apply migration" warning');
    assert.equal(r.out, 'deployment.apps/ssa-csa serverside-applied\n');
    assert.equal((await h.admin.deployments.get('ssa-csa', h.namespace)).spec!.replicas, 2);
    assert.equal(await entry('kubectl-client-side-apply', 'ssa-csa'), undefined);
    assert.equal((await entry('kubectl', 'ssa-csa'))?.operation, 'Apply');
    const d = await h.admin.deployments.get('ssa-csa', h.namespace);
    assert.equal(JSON.parse(d.metadata!.annotations!['kubectl.kubernetes.io/last-applied-configuration']).spec.replicas, 2, 'the last-applied annotation follows the server-side apply');
    assert.deepEqual(d.spec!.template!.metadata!.labels, { app: 'ssa' });
  });

  it('kitectl apply --server-side applies as kitectl and meets the same conflicts', async () => {
    const first = await h.kitectl(['apply', '--server-side', '-f', '-'], manifest({ name: 'ssa-kite', replicas: 1 }));
    assert.equal(first.code, 0, first.err);
    assert.equal(first.out, 'deployment.apps/ssa-kite serverside-applied\n');
    assert.equal((await entry('kitectl', 'ssa-kite'))?.operation, 'Apply');
    const conflict = await h.kitectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], manifest({ name: 'ssa-kite', replicas: 2 }));
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.err, /Apply failed with 1 conflict: conflict with "kitectl": \.spec\.replicas/);
    const same = await h.kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], { stdin: manifest({ name: 'ssa-kite', replicas: 2 }) });
    assert.equal(conflict.err, same.err, 'kitectl words the conflict as kubectl does');
    const forced = await h.kitectl(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], manifest({ name: 'ssa-kite', replicas: 2 }));
    assert.equal(forced.code, 0, forced.err);
    assert.equal((await h.admin.deployments.get('ssa-kite', h.namespace)).spec!.replicas, 2);
    const yaml = (args: string[]) => h.kitectl(['get', 'deployment', 'ssa-kite', '-o', 'yaml', ...args]).then((r) => parse(r.out));
    assert.equal((await yaml([])).metadata.managedFields, undefined);
    // The Apply entries (the controller's status entry may move between the two reads).
    const applies = (entries: { operation: string }[]) => entries.filter((e) => e.operation === 'Apply');
    const kubectlShown = parse(await ok(['get', 'deployment', 'ssa-kite', '-o', 'yaml', '--show-managed-fields'])).metadata.managedFields;
    assert.deepEqual(applies((await yaml(['--show-managed-fields'])).metadata.managedFields), applies(kubectlShown));
    assert.equal(applies(kubectlShown).length, 2);
  });
});
