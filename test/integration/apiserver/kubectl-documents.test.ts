// The real kubectl (v1.32, on PATH) against the apiserver's HTTP front door, for the documents
// that are not objects: discovery (api-resources, get all), OpenAPI (explain, client-side field
// validation, get --raw /openapi/v3), /version (no skew warning) and server-side printing (get).
// kubectl runs with its own HOME (its discovery cache) and KUBECONFIG; no command may print an
// OpenAPI download error or any warning.
import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_GROUPS, KIND_DECLARATIONS, resourceOf } from '../../../lib/api/kind-declarations';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, writeKubeconfig, type SecureApiserver } from '../security/secure-apiserver';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('kubectl and the discovery and OpenAPI documents', function () {
  this.timeout(120_000);
  let api: SecureApiserver;
  let dir: string;
  const ns = uniqueName('docs');

  /** kubectl with the test's HOME and kubeconfig; async, as the apiserver runs in this process. */
  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile('kubectl', args, { env: { ...process.env, HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') }, encoding: 'utf8' }, (e, out, err) =>
        resolve({ code: e ? Number(e.code ?? 1) : 0, out, err }),
      ),
    );
  /** kubectl that must succeed without a word on stderr. */
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.err}`);
    assert.equal(r.err, '', `kubectl ${args.join(' ')} printed to stderr`);
    return r.out;
  };
  const cells = (line: string) => line.trim().split(/\s{2,}/);

  before(async function () {
    if (!hasKubectl) this.skip();
    api = await startSecureApiserver({ config: { securePort: 0 } });
    dir = mkdtempSync(join(tmpdir(), 'kite-kubectl-docs-'));
    writeKubeconfig(api, join(dir, 'kubeconfig'), { namespace: ns });
    await (await api.admin()).namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  after(async () => {
    await api?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl version shows Kite as Kubernetes 1.32, with no skew warning', async () => {
    const out = await ok('version');
    assert.match(out, /^Server Version: v1\.32\.0\+kite\.\d+\.\d+\.\d+$/m);
  });

  it('kubectl api-resources lists every declared kind with its short names, group and scope', async () => {
    const rows = (await ok('api-resources')).trimEnd().split('\n');
    assert.deepEqual(cells(rows[0]), ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    // By name and group-version: the metrics API's nodes and pods share core's names.
    const byName = new Map(rows.slice(1).map((l) => [`${l.split(/\s+/)[0]} ${l.trim().split(/\s+/).at(-3)}`, l]));
    // Every kind, and the four access reviews (selfsubjectreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews).
    assert.equal(byName.size, KIND_DECLARATIONS.length + 4);
    for (const d of KIND_DECLARATIONS) {
      const g = API_GROUPS[d.apiGroup];
      const gv = g.group ? `${g.group}/${g.version}` : g.version;
      const line = byName.get(`${resourceOf(d)} ${gv}`);
      assert.ok(line, d.kind);
      assert.deepEqual(
        line.trim().split(/\s+/),
        [resourceOf(d), ...(d.shortNames.length ? [d.shortNames.join(',')] : []), gv, String(d.namespaced), d.kind],
        d.kind,
      );
    }
  });

  it('kubectl explain prints the fields of pod.spec.containers and deployment.spec.strategy', async () => {
    const containers = await ok('explain', 'pod.spec.containers');
    assert.match(containers, /^KIND:\s+Pod$/m);
    assert.match(containers, /^FIELD: containers <\[\]Container>$/m);
    for (const f of ['image\t<string>', 'ports\t<[]ContainerPort>', 'env\t<[]EnvVar>', 'resources\t<ResourceRequirements>']) assert.ok(containers.includes(`  ${f}`), f);
    const strategy = await ok('explain', 'deployment.spec.strategy');
    assert.match(strategy, /^GROUP:\s+apps$/m);
    assert.ok(strategy.includes('  rollingUpdate\t<RollingUpdateDeployment>'));
    assert.ok(strategy.includes('  type\t<string>'));
  });

  it('kubectl explain --output=plaintext-openapiv2 reads the protobuf /openapi/v2', async () => {
    const out = await ok('explain', 'pod.spec.containers', '--output=plaintext-openapiv2');
    assert.match(out, /^RESOURCE: containers <\[\]Object>$/m);
    assert.match(out, /^ {3}image\t<string>$/m);
  });

  it('kubectl get --raw /openapi/v3 indexes every group-version', async () => {
    const index = JSON.parse(await ok('get', '--raw', '/openapi/v3'));
    const reviews = ['apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1'];
    // autoscaling/v1 is served by conversion beside the stored autoscaling/v2.
    const converted = ['apis/autoscaling/v1'];
    assert.deepEqual(Object.keys(index.paths).sort(), [...Object.values(API_GROUPS).map((g) => (g.group ? `apis/${g.group}/${g.version}` : 'api/v1')), ...reviews, ...converted].sort());
  });

  it('kubectl apply validates fields (the default --validate=strict): a valid manifest applies, an unknown field is refused', async () => {
    const pod = (extra: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n    image: nginx\n${extra}`;
    writeFileSync(join(dir, 'pod.yaml'), pod('    ports:\n    - containerPort: 80\n'));
    assert.equal(await ok('apply', '-f', join(dir, 'pod.yaml')), 'pod/web created\n');
    writeFileSync(join(dir, 'bad.yaml'), pod('    imagePolicy: Always\n').replace('name: web', 'name: bad'));
    const bad = await kubectl('apply', '-f', join(dir, 'bad.yaml'));
    assert.equal(bad.code, 1);
    assert.match(bad.err, /unknown field "spec\.containers\[0\]\.imagePolicy"/);
    assert.doesNotMatch(bad.err, /openapi/i);
  });

  it('kubectl get prints the server-side Table, wide columns with -o wide, and get all finds the "all" category', async () => {
    const rows = (await ok('get', 'pods')).trimEnd().split('\n');
    assert.deepEqual(cells(rows[0]), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(cells(rows[1]).slice(0, 4), ['web', '0/1', 'Pending', '0']);
    const wide = (await ok('get', 'pods', '-o', 'wide')).split('\n')[0];
    assert.deepEqual(cells(wide), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.match(await ok('get', 'all'), /^pod\/web\s/m);
  });
});
