import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { Pods, Services } from '../../../../lib/api/kinds';
import { Pod, Service } from '../../../../lib/gen/kite/core/v1/types';
import { formatObjects, parseOutput } from '../../../../services/kitectl/output-format';

const pod = Pod.fromPartial({ metadata: { name: 'p', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
const svc = Service.fromPartial({ metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } });

describe('-o json|yaml|name|jsonpath', () => {
  it('parses -o values and rejects unknown ones', () => {
    assert.deepEqual(parseOutput(undefined), { type: 'table', wide: false });
    assert.deepEqual(parseOutput('wide'), { type: 'table', wide: true });
    assert.deepEqual(parseOutput("jsonpath='{.a}'"), { type: 'jsonpath', template: '{.a}' });
    assert.throws(() => parseOutput('xml'), /unable to match a printer suitable for the output format "xml"/);
  });

  it('prints a single object as Kubernetes JSON with apiVersion and kind first', () => {
    const out = formatObjects({ type: 'json' }, [{ kind: Pods, obj: pod }], true);
    const obj = JSON.parse(out);
    assert.deepEqual(Object.keys(obj).slice(0, 2), ['apiVersion', 'kind']);
    assert.equal(obj.apiVersion, 'v1');
    assert.equal(obj.kind, 'Pod');
    assert.equal(obj.spec.containers[0].image, 'nginx');
    assert.match(out, /^\{\n {4}"apiVersion"/);
    // The fields Kubernetes always writes are there, as kubectl prints them.
    assert.deepEqual(obj.spec.containers[0].resources, {});
    assert.deepEqual(obj.status, {});
    // Round trip through the codec gives the same JSON back.
    assert.deepEqual(JSON.parse(formatObjects({ type: 'json' }, [{ kind: Pods, obj: Pod.fromJSON(obj) }], true)), obj);
  });

  it('wraps several objects (or a listing) in a List', () => {
    const out = JSON.parse(formatObjects({ type: 'json' }, [{ kind: Pods, obj: pod }, { kind: Services, obj: svc }], false));
    assert.equal(out.kind, 'List');
    assert.deepEqual(out.items.map((i: { kind: string }) => i.kind), ['Pod', 'Service']);
    const one = JSON.parse(formatObjects({ type: 'json' }, [{ kind: Pods, obj: pod }], false));
    assert.equal(one.kind, 'List');
  });

  it('prints YAML with sorted keys, unindented sequences and quoted timestamps', () => {
    const out = formatObjects({ type: 'yaml' }, [{ kind: Pods, obj: pod }], true);
    assert.match(out, /^apiVersion: v1\nkind: Pod\nmetadata:\n/);
    assert.match(out, /creationTimestamp: "2024-01-01T00:00:00Z"/);
    assert.match(out, /\n {2}containers:\n {2}- image: nginx\n {4}name: c\n/);
    assert.equal(parse(out).spec.containers[0].name, 'c');
  });

  it('prints names as kind/name with the group', () => {
    assert.equal(formatObjects({ type: 'name' }, [{ kind: Pods, obj: pod }, { kind: Services, obj: svc }], false), 'pod/p\nservice/s\n');
  });

  it('applies jsonpath to the object or the List', () => {
    assert.equal(formatObjects({ type: 'jsonpath', template: '{.spec.ports[0].targetPort}' }, [{ kind: Services, obj: svc }], true), '8080');
    assert.equal(formatObjects({ type: 'jsonpath', template: '{.items[*].metadata.name}' }, [{ kind: Pods, obj: pod }, { kind: Services, obj: svc }], false), 'p s');
  });
});
