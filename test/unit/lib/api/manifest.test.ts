import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployments, Pods, Services } from '../../../../lib/api/kinds';
import { ManifestError, decodeManifests, parseDocuments } from '../../../../lib/api/manifest';

const nginx = readFileSync(join(__dirname, '../../../../examples/nginx.yaml'), 'utf8');

function decodeError(text: string, source = 'f.yaml'): string {
  try {
    decodeManifests(text, source);
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected a ManifestError, got ${e}`);
    return e.message;
  }
  assert.fail('expected decoding to fail');
}

const pod = (extra: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n${extra}`;

describe('manifest decoding', () => {
  it('decodes the multi-document nginx example into a Deployment and a Service', () => {
    const ms = decodeManifests(nginx, 'nginx.yaml');
    assert.deepEqual(
      ms.map((m) => m.kind),
      [Deployments, Services],
    );
    const d = ms[0].object as any;
    assert.equal(d.metadata.name, 'nginx');
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.22');
    assert.equal(d.spec.template.spec.containers[0].readinessProbe.httpGet.port, 80);
    assert.equal(d.spec.template.spec.containers[0].resources.requests.cpu, '50m');
    const s = ms[1].object as any;
    assert.equal(s.spec.type, 'NodePort');
    assert.equal(s.spec.ports[0].targetPort, 80);
    assert.equal(ms[1].raw.kind, 'Service');
    assert.equal(ms[0].source, 'nginx.yaml');
  });

  it('accepts JSON and skips empty documents', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    assert.equal(decodeManifests(json, 'p.json')[0].kind, Pods);
    assert.equal(decodeManifests(`---\n---\n${pod('')}---\n`, 'f').length, 1);
    assert.equal(decodeManifests('', 'f').length, 0);
  });

  it('expands v1 List documents', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } }] };
    assert.deepEqual(
      decodeManifests(JSON.stringify(list), 'l').map((m) => m.object.metadata?.name),
      ['a', 'b'],
    );
  });

  it('decodes container lifecycle hooks as users write them', () => {
    const [m] = decodeManifests(pod('    lifecycle:\n      postStart: {httpGet: {path: /warm, port: 80}}\n      preStop:\n        exec:\n          command: ["sleep", "5"]\n'), 'f.yaml');
    const lifecycle = (m.object as any).spec.containers[0].lifecycle;
    assert.deepEqual(lifecycle.preStop.exec.command, ['sleep', '5']);
    assert.equal(lifecycle.postStart.httpGet.path, '/warm');
    const [s] = decodeManifests(pod('    lifecycle: {preStop: {sleep: {seconds: 5}}}\n'), 'f.yaml');
    assert.equal((s.object as any).spec.containers[0].lifecycle.preStop.sleep.seconds, 5);
    assert.match(decodeError(pod('    lifecycle: {preStop: {sleeep: {seconds: 5}}}\n')), /unknown field "spec\.containers\[0\]\.lifecycle\.preStop\.sleeep"/);
  });

  it('reports unknown fields with their paths, all of them', () => {
    const msg = decodeError(pod('    imagee: nginx\n  restartPolicyy: Never\n'));
    assert.match(msg, /^error validating "f.yaml": Pod "p": strict decoding error: /);
    assert.match(msg, /unknown field "spec.containers\[0\].imagee"/);
    assert.match(msg, /unknown field "spec.restartPolicyy"/);
  });

  it('rejects protobuf field spellings that are not Kubernetes JSON names', () => {
    assert.match(decodeError(pod('    working_dir: /x\n')), /unknown field "spec.containers\[0\].working_dir"/);
  });

  it('reports wrong types with the path and the value', () => {
    const d = nginx.split('---')[0].replace('replicas: 3', 'replicas: three');
    assert.match(decodeError(d), /invalid type for field "spec.replicas": expected int32, got string "three"/);
    assert.match(decodeError(pod('    ports:\n    - containerPort: 80.5\n')), /"spec.containers\[0\].ports\[0\].containerPort": expected int32, got number/);
    assert.match(decodeError(pod('    command: echo\n')), /"spec.containers\[0\].command": expected array, got string/);
    assert.match(decodeError(pod('  hostNetwork: "yes"\n')), /"spec.hostNetwork": expected boolean, got string/);
    assert.match(decodeError(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    version: 1\n`), /"metadata.labels.version": expected string, got integer/);
    assert.match(decodeError(pod('    ports:\n    - containerPort: 99999999999\n')), /out of range for int32/);
  });

  it('accepts int-or-string fields as either, and nothing else', () => {
    assert.doesNotThrow(() => decodeManifests(pod('    readinessProbe:\n      httpGet:\n        port: http\n'), 'f'));
    assert.match(decodeError(pod('    readinessProbe:\n      httpGet:\n        port: [80]\n')), /expected integer or string, got array/);
  });

  it('names unknown kinds as kubectl does', () => {
    const msg = decodeError('apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n', 'file.yaml');
    assert.equal(msg.split('\n')[0], 'resource mapping not found for name: "x" namespace: "" from "file.yaml": no matches for kind "Foo" in version "v1"');
    assert.match(decodeError('apiVersion: apps/v2\nkind: Deployment\nmetadata:\n  name: x\n'), /no matches for kind "Deployment" in version "apps\/v2"/);
  });

  it('reports missing apiVersion and kind', () => {
    assert.match(decodeError('metadata:\n  name: x\n'), /error validating data: \[apiVersion not set, kind not set\]/);
  });

  it('reports YAML syntax errors with their line', () => {
    const msg = decodeError('apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n labels: y\n', 'bad.yaml');
    assert.match(msg, /^error parsing bad.yaml: error converting YAML to JSON: yaml: line 5: /);
    assert.match(decodeError('a: 1\na: 2\n'), /line 2: /);
    assert.match(decodeError('- 1\n- 2\n'), /a document must be an object, not array/);
  });

  it('rejects an alias bomb quickly', () => {
    let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (const [prev, next] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h'], ['h', 'i']]) {
      text += `${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    }
    const t0 = Date.now();
    assert.throws(() => parseDocuments(text, 'bomb.yaml'), (e: Error) => e instanceof ManifestError && /alias/i.test(e.message));
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
  });

  it('rejects deeply nested documents quickly', () => {
    const t0 = Date.now();
    const flow = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    assert.throws(() => parseDocuments(flow, 'deep.yaml'), /nested deeper than 100 levels/);
    let block = '';
    for (let i = 0; i < 150; i++) block += `${' '.repeat(i)}k${i}:\n`;
    assert.throws(() => parseDocuments(`${block}${' '.repeat(150)}x: 1\n`, 'deep.yaml'), /nested deeper than 100 levels/);
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  });

  it('rejects documents over the size limit', () => {
    const big = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  annotations:\n    big: "${'x'.repeat(3 * 1024 * 1024)}"\n`;
    assert.throws(() => parseDocuments(big, 'big.yaml'), /larger than 3 MiB/);
  });
});
