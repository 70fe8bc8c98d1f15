// Request bodies before decoding: YAML as Kubernetes' YAML serializer reads it (YAML to JSON, the
// first document), and the unknown fields of merge and strategic merge patches under fieldValidation.
import { strict as assert } from 'node:assert';
import { ConfigMaps, Pods } from '../../../../lib/api/kinds';
import { parseYAMLBody, patchFieldWarnings } from '../../../../services/apiserver/http/request-body';

describe('request bodies', () => {
  it('reads a YAML body as its first document, and bad YAML as a 400 in kube-apiserver words', () => {
    assert.deepEqual(parseYAMLBody(Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  k: "1"\n---\nkind: Other\n')), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: '1' } });
    assert.deepEqual(parseYAMLBody(Buffer.from('{"kind": "ConfigMap"}')), { kind: 'ConfigMap' });
    assert.equal(parseYAMLBody(Buffer.from('')), null);
    assert.throws(() => parseYAMLBody(Buffer.from('a: [1,\n')), (e: Error & { code?: number }) => /^error converting YAML to JSON: yaml: line \d+: /.test(e.message));
  });

  it('finds the unknown fields a merge or strategic merge patch writes, directives and deletions aside', () => {
    const smp = JSON.stringify({ spec: { containers: [{ name: 'c', imagePullPolcy: 'Always', resources: { limits: { cpu: 1 } } }], $setElementOrder: {} }, metadata: { labels: { a: null }, bogus: null } });
    assert.deepEqual(patchFieldWarnings(Pods, 'application/strategic-merge-patch+json', smp, 'Warn'), ['unknown field "spec.containers[0].imagePullPolcy"']);
    assert.throws(() => patchFieldWarnings(Pods, 'application/merge-patch+json', smp, 'Strict'), { message: 'strict decoding error: unknown field "spec.containers[0].imagePullPolcy"' });
    assert.deepEqual(patchFieldWarnings(Pods, 'application/merge-patch+json', smp, 'Ignore'), []);
    assert.deepEqual(patchFieldWarnings(ConfigMaps, 'application/merge-patch+json', JSON.stringify({ data: { a: 'b' } }), 'Strict'), []);
  });

  it('leaves JSON patches and patches that are not objects to the patch itself', () => {
    assert.deepEqual(patchFieldWarnings(Pods, 'application/json-patch+json', '[{"op":"add","path":"/spec/bogus","value":1}]', 'Strict'), []);
    assert.deepEqual(patchFieldWarnings(Pods, 'application/merge-patch+json', 'not json', 'Strict'), []);
  });
});
