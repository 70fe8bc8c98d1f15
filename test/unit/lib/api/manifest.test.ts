import { strict as assert } from 'node:assert';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployments, Pods, Services } from '../../../../lib/api/kinds';
import type { KindInfo } from '../../../../lib/api/kinds';
import { ManifestError, decodeManifests, parseDocuments, strictProblems } from '../../../../lib/api/manifest';
import { base64ErrorAt } from '../../../../lib/api/strict-fields';

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

  it('reads null list items as their zero value, as Go decodes them', () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  tolerations: [null]\n  containers:\n  - name: c\n    image: nginx\n    args: [null, run]\n`;
    const pod = decodeManifests(text, 'p.yaml')[0].object as Pod;
    assert.deepEqual(pod.spec!.containers[0].args, ['', 'run']);
    assert.equal(pod.spec!.tolerations.length, 1);
    assert.equal(pod.spec!.tolerations[0].key, '');
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

describe('manifest decoding: documents, Lists and strict types', () => {
  const ns = (extra = '') => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n${extra}`;

  it('refuses files above 64 MiB before parsing them', () => {
    assert.throws(() => parseDocuments(' '.repeat(64 * 1024 * 1024 + 1), 'huge.yaml'), /^ManifestError: error parsing huge.yaml: file is larger than 64 MiB$/);
  });

  it('measures each document of a large file on its own; "---" separates only at the start of a line', () => {
    const half = 'x'.repeat(2 * 1024 * 1024);
    assert.equal(parseDocuments(`${ns(`  annotations: {a: "${half}"}\n`)}---\n${ns(`  annotations: {b: "${half}"}\n`)}`, 'two.yaml').length, 2);
    assert.throws(() => parseDocuments(ns(`  annotations: {a: "${half}---${half}"}\n`), 'one.yaml'), /a document is larger than 3 MiB/);
  });

  it('accepts a document of exactly 3 MiB in a larger file', () => {
    const doc = (fill: number) => `a: "${'x'.repeat(fill)}"\n`;
    const exact = doc(3 * 1024 * 1024 - 6); // 'a: "' + fill + '"' + newline
    assert.equal(Buffer.byteLength(exact), 3 * 1024 * 1024);
    assert.equal(parseDocuments(`${exact}---\n${doc(10)}`, 'f').length, 2);
    assert.throws(() => parseDocuments(`${doc(3 * 1024 * 1024 - 5)}---\n${doc(10)}`, 'f'), /a document is larger than 3 MiB/);
  });

  it('applies YAML merge keys', () => {
    const [m] = decodeManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &l {app: web}\n  annotations:\n    <<: *l\n    team: a\n', 'f.yaml');
    assert.deepEqual(m.object.metadata?.annotations, { app: 'web', team: 'a' });
  });

  it('words YAML errors once, with the line', () => {
    assert.equal(decodeError('a: 1\na: 2\n'), 'error parsing f.yaml: error converting YAML to JSON: yaml: line 2: Map keys must be unique');
    const deep = `${Array.from({ length: 10 }, (_, i) => `k${i}: 0`).join('\n')}\na:\n  b:\n    c:\n      d:\n        e:\n          x: 1\n          x: 2\n`;
    assert.equal(decodeError(deep), 'error parsing f.yaml: error converting YAML to JSON: yaml: line 17: Map keys must be unique');
  });

  it('a document must be an object', () => {
    assert.equal(decodeError('hello\n'), 'error parsing f.yaml: a document must be an object, not string');
    assert.match(decodeError('42\n'), /not integer$/);
  });

  it('accepts a document exactly 100 levels deep', () => {
    const nest = (levels: number) => {
      let text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  annotations:\n    a: x\n---\n';
      for (let i = 0; i < levels - 1; i++) text += `${' '.repeat(i)}k${i}:\n`;
      return `${text}${' '.repeat(levels - 1)}leaf: 1\n`;
    };
    assert.equal(parseDocuments(nest(100), 'f').length, 2);
    assert.throws(() => parseDocuments(nest(101), 'f'), /nested deeper than 100 levels/);
  });

  it('counts flow nesting of maps too, and only while it is open', () => {
    assert.throws(() => parseDocuments(`a: ${'{a: '.repeat(150)}1${'}'.repeat(150)}\n`, 'f'), /nested deeper than 100 levels/);
    const siblings = ['a', 'b', 'c'].map((k) => `${k}: ${'['.repeat(60)}${']'.repeat(60)}`).join('\n');
    assert.equal(parseDocuments(`${siblings}\n`, 'f').length, 1);
    assert.throws(() => parseDocuments(`a: ${'[[], '.repeat(150)}1${']'.repeat(150)}\n`, 'f'), /nested deeper than 100 levels/);
  });

  it('null values are unset fields', () => {
    const [m] = decodeManifests(`${pod('')}  nodeSelector: null\n  tolerations: null\n`.replace('metadata:\n', 'metadata:\n  labels: ~\n'), 'f.yaml');
    assert.equal(m.object.metadata?.name, 'p');
  });

  it('Lists: only v1 List, with an items array of objects', () => {
    assert.match(decodeError(JSON.stringify({ apiVersion: 'v1', kind: 'List' })), /^error validating "f.yaml": List has no items array$/);
    for (const item of [1, null, []]) {
      assert.match(decodeError(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [item] })), /^error validating "f.yaml": List items must be objects$/);
    }
    assert.match(decodeError(JSON.stringify({ apiVersion: 'x/v1', kind: 'List', items: [] })), /no matches for kind "List" in version "x\/v1"/);
  });

  it('apiVersion and kind must be non-empty strings', () => {
    assert.match(decodeError('apiVersion: ""\nkind: Pod\n'), /\[apiVersion not set\]/);
    assert.match(decodeError('apiVersion: v1\nkind: 5\n'), /\[kind not set\]/);
  });

  it('names the namespace of an unknown kind', () => {
    assert.match(decodeError('apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n  namespace: ns\n'), /^resource mapping not found for name: "x" namespace: "ns" from/);
  });

  it('strict errors: the object named only when it has a name, every problem listed', () => {
    assert.equal(decodeError('apiVersion: v1\nkind: Pod\nspec:\n  x: 1\n  y: 2\n'), 'error validating "f.yaml": Pod: strict decoding error: unknown field "spec.x", unknown field "spec.y"');
    assert.match(decodeError('apiVersion: v1\nkind: Pod\nmetadata:\n  name: 5\nspec:\n  x: 1\n'), /^error validating "f.yaml": Pod: strict decoding error/);
  });

  it('wrong types: objects, maps, long strings cut at 40 characters, no value shown for non-strings', () => {
    assert.match(decodeError(pod('    image: {a: 1}\n').replace('    image: nginx\n', '')), /"spec.containers\[0\].image": expected string, got object$/);
    assert.match(decodeError(ns().replace('  name: n\n', '  name: n\n  labels: [a]\n')), /"metadata.labels": expected object, got array$/);
    assert.match(decodeError('apiVersion: v1\nkind: Pod\nmetadata: [a]\n'), /"metadata": expected object, got array$/);
    assert.match(decodeError('apiVersion: v1\nkind: Pod\nspec: 5\n'), /"spec": expected object, got integer$/);
    assert.match(decodeError(ns().replace('  name: n\n', '  name: n\n  labels: 5\n')), /"metadata.labels": expected object, got integer$/);
    assert.match(decodeError(pod('  hostNetwork: 1.5\n')), /"spec.hostNetwork": expected boolean, got number$/);
    const long = 'y'.repeat(50);
    assert.match(decodeError(pod(`    ports:\n    - containerPort: "${long}"\n`)), new RegExp(`expected int32, got string "${'y'.repeat(40)}\\.\\.\\."$`));
  });

  it('int32 and int64 ranges', () => {
    const port = (v: string) => pod(`    ports:\n    - containerPort: ${v}\n`);
    assert.doesNotThrow(() => decodeManifests(port('2147483647'), 'f'));
    assert.doesNotThrow(() => decodeManifests(port('-2147483648'), 'f'));
    assert.match(decodeError(port('2147483648')), /2147483648 is out of range for int32/);
    assert.match(decodeError(port('-2147483649')), /-2147483649 is out of range for int32/);
    assert.doesNotThrow(() => decodeManifests(pod('  activeDeadlineSeconds: 9007199254740991\n'), 'f'));
    assert.match(decodeError(pod('  activeDeadlineSeconds: 9007199254740993\n')), /out of range for int64/);
  });

  it('booleans are accepted as booleans; int-or-string refuses fractions', () => {
    assert.doesNotThrow(() => decodeManifests(pod('  hostNetwork: true\n'), 'f'));
    assert.match(decodeError(pod('    readinessProbe:\n      httpGet:\n        port: 80.5\n')), /expected integer or string, got number$/);
  });

  it('a quantity written as a number is read as its text, as kubectl and the apiserver read it', () => {
    const m = decodeManifests(pod('    resources:\n      limits:\n        cpu: 2\n        memory: 1000000\n        example.com/dongle: 3\n      requests:\n        cpu: 0.5\n'), 'f')[0];
    assert.deepEqual((m.object as Pod).spec!.containers[0].resources, { limits: { cpu: '2', memory: '1000000', 'example.com/dongle': '3' }, requests: { cpu: '0.5' } });
    assert.equal((m.raw.spec as { containers: { resources: { limits: { cpu: unknown } } }[] }).containers[0].resources.limits.cpu, 2, 'raw stays as written');
    assert.match(decodeError(pod('    terminationMessagePath: 5\n')), /invalid type for field "spec.containers\[0\].terminationMessagePath": expected string, got integer$/);
  });
});

describe('strict decoding of the other protobuf scalar types', () => {
  // The kubelet API's messages carry uint32 and bytes fields no manifest kind has yet.
  const kubelet = (kind: string) => ({ serviceName: 'kite.kubelet.v1.KubeletService', kind }) as unknown as KindInfo;

  it('uint32: non-negative integers up to 2^32 - 1', () => {
    assert.deepEqual(strictProblems(kubelet('TerminalSize'), { width: 0, height: 4294967295 }), []);
    assert.deepEqual(strictProblems(kubelet('TerminalSize'), { width: -1, height: 4294967296 }), [
      'invalid value for field "width": -1 is out of range for uint32',
      'invalid value for field "height": 4294967296 is out of range for uint32',
    ]);
  });

  it('bytes: (base64) strings', () => {
    assert.deepEqual(strictProblems(kubelet('LogChunk'), { content: 'aGVsbG8=' }), []);
    assert.deepEqual(strictProblems(kubelet('LogChunk'), { content: 5 }), ['invalid type for field "content": expected string, got integer']);
  });

  it("bytes: base64 as Go's StdEncoding decodes it, corrupt input refused at Go's offset", () => {
    for (const ok of ['', 'aGVsbG8=', 'aGk=', 'aGVs\nbG8=', 'aGVsbG8=\n']) assert.equal(base64ErrorAt(ok), undefined, JSON.stringify(ok));
    const bad: [string, number][] = [['aGVsbG8', 4], ['aGVsb', 4], ['a', 0], ['aG!s', 2], ['aGk=x', 4], ['a===', 1], ['aG=', 3], ['aG=x', 2], ['hello world', 5]];
    for (const [input, at] of bad) assert.equal(base64ErrorAt(input), at, input);
    assert.deepEqual(strictProblems(kubelet('LogChunk'), { content: 'not base64!' }), ['illegal base64 data at input byte 3']);
  });
});
