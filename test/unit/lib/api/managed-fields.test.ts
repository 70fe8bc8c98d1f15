// Managed fields and server-side apply (lib/api/managed-fields): FieldsV1 sets, the fields an
// update changes as Kubernetes records them for a create, structured merge by list keys, removal
// of fields no longer applied, Kubernetes' conflict error, force, shared ownership, and what a
// write may say about managedFields itself.
import { strict as assert } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, InvalidError } from '../../../../lib/api/errors';
import { Deployments, type KindInfo } from '../../../../lib/api/kinds';
import { FieldSet, applyConfiguration, managedFieldsAfterUpdate, managerOrUserAgent, parseConfiguration, pathString, prefixFromUserAgent, validatePatchOptions } from '../../../../lib/api/managed-fields';
import { sameValue } from '../../../../lib/api/managed-fields/same-value';
import type { Deployment } from '../../../../lib/gen/kite/apps/v1/types';

const kind = Deployments as unknown as KindInfo<Deployment>;

function deployment(replicas: number, image = 'nginx:1', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, ...extra }] } },
    },
  };
}

const fieldsOf = (d: Deployment, manager: string) => JSON.parse(d.metadata!.managedFields.find((e) => e.manager === manager)!.fieldsV1);

function applied(live: Deployment | undefined, config: Record<string, unknown>, manager: string, force = false): Deployment {
  const r = applyConfiguration(kind, live, config, manager, force);
  r.object.metadata!.resourceVersion = '1';
  return r.object;
}

describe('managed fields: FieldsV1 sets', () => {
  it('reads and writes FieldsV1 with "." for a member that has children, and prints paths as fieldpath does', () => {
    const json = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } };
    const set = FieldSet.fromFieldsV1(json);
    assert.equal(set.toFieldsV1(), JSON.stringify(json));
    assert.deepEqual(set.paths().map(pathString), ['.metadata.labels', '.metadata.labels.app', '.spec.containers[name="web"]', '.spec.containers[name="web"].image']);
    const other = FieldSet.fromFieldsV1({ 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    assert.equal(set.intersection(other).toFieldsV1(), '{"f:metadata":{"f:labels":{"f:app":{}}}}');
    assert.deepEqual(set.difference(other).paths().map(pathString), ['.metadata.labels', '.spec.containers[name="web"]', '.spec.containers[name="web"].image']);
  });
});

describe('managed fields: the equality and FieldsV1 text every write uses', () => {
  it('sameValue answers as isDeepStrictEqual does', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }],
      [{ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] }],
      [{ a: undefined }, {}],
      [{}, { a: undefined }],
      [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [[1, 2], { 0: 1, 1: 2 }],
      [[], []],
      [0, -0],
      [NaN, NaN],
      [null, {}],
      ['1', 1],
      [new Uint8Array([1, 2]), new Uint8Array([1, 2])],
      [new Uint8Array([1, 2]), new Uint8Array([1, 3])],
      [new Date(0), new Date(1)],
      [{ d: new Date(0) }, { d: new Date(0) }],
    ];
    for (const [a, b] of pairs) assert.equal(sameValue(a, b), isDeepStrictEqual(a, b), `${String(a)} vs ${String(b)}`);
  });

  it('writes a member whose children are all empty with ".", skips empty children, and writes a set again the same', () => {
    const set = new FieldSet();
    set.child('f:spec').member = true;
    set.child('f:spec').child('f:replicas');
    set.child('f:status');
    set.child('k:{"name":"a\\b"}').member = true;
    const text = '{"f:spec":{".":{}},"k:{\\"name\\":\\"a\\\\b\\"}":{}}';
    assert.equal(set.toFieldsV1(), text);
    assert.equal(set.toFieldsV1(), text);
    const read = '{"f:spec":{".":{},"f:replicas":{}},"k:{\\"name\\":\\"a\\\\b\\"}":{}}';
    assert.equal(FieldSet.fromFieldsV1(JSON.parse(read)).toFieldsV1(), read);
    assert.equal(new FieldSet().toFieldsV1(), '{}');
  });
});

describe('managed fields: updates', () => {
  it('a create records what it set as Kubernetes does (maps, items and pointer structs added get ".")', () => {
    const created = kind.type.fromJSON(deployment(2));
    created.metadata!.managedFields = managedFieldsAfterUpdate(kind, undefined, created, 'kubectl-create', '');
    const [entry] = created.metadata!.managedFields;
    assert.equal(entry.manager, 'kubectl-create');
    assert.equal(entry.operation, 'Update');
    assert.equal(entry.apiVersion, 'apps/v1');
    assert.equal(entry.fieldsType, 'FieldsV1');
    assert.equal(entry.subresource, '');
    assert.deepEqual(JSON.parse(entry.fieldsV1), {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} } } },
        },
      },
    });
  });

  it('a main-resource write owns no status and a status write no spec, as Kubernetes resets them', () => {
    const created = kind.type.fromJSON({ ...deployment(2), status: { replicas: 2, observedGeneration: 1 } });
    created.metadata!.managedFields = managedFieldsAfterUpdate(kind, undefined, created, 'creator', '');
    assert.equal(fieldsOf(created, 'creator')['f:status'], undefined);
    const both = structuredClone(created);
    both.spec!.replicas = 3;
    both.status!.readyReplicas = 2;
    both.metadata!.managedFields = managedFieldsAfterUpdate(kind, created, both, 'controller', 'status');
    assert.deepEqual(fieldsOf(both, 'controller'), { 'f:status': { 'f:readyReplicas': {} } });
    const applied = applyConfiguration(kind, created, { ...deployment(2), status: { replicas: 9 } }, 'applier', false);
    assert.equal(applied.object.status!.replicas, 2);
    assert.equal(JSON.parse(applied.managedFields.find((e) => e.manager === 'applier')!.fieldsV1)['f:status'], undefined);
  });

  it('an update moves the fields it changed to its manager, drops emptied entries, and a status update is its own entry', () => {
    const created = kind.type.fromJSON(deployment(2));
    created.metadata!.managedFields = managedFieldsAfterUpdate(kind, undefined, created, 'a', '');
    const scaled = structuredClone(created);
    scaled.spec!.replicas = 5;
    scaled.metadata!.managedFields = managedFieldsAfterUpdate(kind, created, scaled, 'b', 'scale');
    assert.deepEqual(fieldsOf(scaled, 'b'), { 'f:spec': { 'f:replicas': {} } });
    assert.equal(scaled.metadata!.managedFields.find((e) => e.manager === 'b')!.subresource, 'scale');
    assert.equal(fieldsOf(scaled, 'a')['f:spec']['f:replicas'], undefined);
    const status = structuredClone(scaled);
    status.status = kind.type.fromPartial({ status: { replicas: 3 } }).status;
    status.metadata!.managedFields = managedFieldsAfterUpdate(kind, scaled, status, 'controller', 'status');
    assert.deepEqual(fieldsOf(status, 'controller'), { 'f:status': { 'f:replicas': {} } });
    const unchanged = managedFieldsAfterUpdate(kind, status, structuredClone(status), 'other', '');
    assert.deepEqual(unchanged, status.metadata!.managedFields, 'a write that changes nothing records nothing');
  });

  it('keeps at most 10 Update entries: the oldest are merged into "ancient-changes"', () => {
    const d = kind.type.fromJSON(deployment(2));
    const entry = (manager: string, second: number, label: string) => ({
      manager,
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: `2024-01-01T00:00:${String(second).padStart(2, '0')}Z`,
      fieldsType: 'FieldsV1',
      fieldsV1: JSON.stringify({ 'f:metadata': { 'f:labels': { [`f:${label}`]: {} } } }),
      subresource: '',
    });
    d.metadata!.managedFields = [entry('creator', 0, 'app'), ...Array.from({ length: 11 }, (_, i) => entry(`writer-${i}`, 10 + i, `l${i}`))];
    const next = structuredClone(d);
    next.spec!.replicas = 3;
    const entries = managedFieldsAfterUpdate(kind, d, next, 'writer-last', '');
    assert.equal(entries.length, 10);
    assert.deepEqual(entries.map((e) => e.manager).sort(), ['ancient-changes', ...Array.from({ length: 8 }, (_, i) => `writer-${i + 3}`), 'writer-last'].sort());
    const ancient = entries.find((e) => e.manager === 'ancient-changes')!;
    assert.equal(ancient.operation, 'Update');
    assert.equal(ancient.time, '2024-01-01T00:00:12Z', 'the time of the last update merged into it');
    assert.deepEqual(JSON.parse(ancient.fieldsV1), { 'f:metadata': { 'f:labels': { 'f:app': {}, 'f:l0': {}, 'f:l1': {}, 'f:l2': {} } } });
  });

  it('managedFields [{}] resets them, an empty list keeps them, invalid entries are ignored', () => {
    const created = kind.type.fromJSON(deployment(2));
    created.metadata!.managedFields = managedFieldsAfterUpdate(kind, undefined, created, 'a', '');
    const reset = structuredClone(created);
    reset.metadata!.managedFields = [{ manager: '', operation: '', apiVersion: '', time: '', fieldsType: '', fieldsV1: '', subresource: '' }];
    assert.deepEqual(managedFieldsAfterUpdate(kind, created, reset, 'b', ''), []);
    const kept = structuredClone(created);
    kept.metadata!.managedFields = [];
    assert.deepEqual(managedFieldsAfterUpdate(kind, created, kept, 'b', ''), created.metadata!.managedFields);
    const invalid = structuredClone(created);
    invalid.metadata!.managedFields = [{ ...created.metadata!.managedFields[0], operation: 'Bogus' }];
    assert.deepEqual(managedFieldsAfterUpdate(kind, created, invalid, 'b', ''), created.metadata!.managedFields);
  });
});

describe('managed fields: apply', () => {
  it('creates, owns exactly what it applied, and removes a field it no longer applies', () => {
    const first = applied(undefined, deployment(2, 'nginx:1', { command: ['run'] }), 'kubectl');
    assert.deepEqual(fieldsOf(first, 'kubectl')['f:spec']['f:template']['f:spec'], { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:command': {}, 'f:image': {}, 'f:name': {} } } });
    assert.equal(first.metadata!.managedFields[0].operation, 'Apply');
    const second = applied(first, deployment(2, 'nginx:2'), 'kubectl');
    assert.equal(second.spec!.template!.spec!.containers[0].image, 'nginx:2');
    assert.deepEqual(second.spec!.template!.spec!.containers[0].command, []);
  });

  it('keeps a map it owned whole (an Update set migrated to Apply) while it still applies fields in it', () => {
    const created = kind.type.fromJSON(deployment(2));
    const [entry] = managedFieldsAfterUpdate(kind, undefined, created, 'kubectl', '');
    created.metadata!.managedFields = [{ ...entry, operation: 'Apply' }];
    assert.deepEqual(JSON.parse(entry.fieldsV1)['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
    const again = applied(created, deployment(2), 'kubectl');
    assert.deepEqual(again.metadata!.labels, { app: 'web' });
    assert.deepEqual(again.spec!.template!.metadata!.labels, { app: 'web' });
  });

  it('merges list items by their keys and keeps another manager\'s item', () => {
    const first = applied(undefined, deployment(2), 'one');
    const config = deployment(2);
    (config.spec as any).template.spec.containers = [{ name: 'sidecar', image: 'busybox' }];
    const both = applied(first, config, 'two');
    assert.deepEqual(both.spec!.template!.spec!.containers.map((c) => c.name), ['web', 'sidecar']);
  });

  it('a changed field another manager owns is a conflict worded as Kubernetes words it; force takes it over', () => {
    const created = kind.type.fromJSON(deployment(2));
    created.metadata!.managedFields = managedFieldsAfterUpdate(kind, undefined, created, 'kubectl-client-side-apply', '');
    assert.throws(
      () => applied(created, deployment(3), 'kubectl'),
      (err: unknown) => {
        assert.ok(err instanceof ConflictError);
        assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
        assert.deepEqual(err.causes, [{ reason: 'FieldManagerConflict', field: '.spec.replicas', message: 'conflict with "kubectl-client-side-apply" using apps/v1' }]);
        return true;
      },
    );
    const same = applied(created, deployment(2), 'kubectl');
    assert.ok(fieldsOf(same, 'kubectl-client-side-apply')['f:spec']['f:replicas'], 'an equal value is shared, not a conflict');
    assert.ok(fieldsOf(same, 'kubectl')['f:spec']['f:replicas']);
    const forced = applied(created, deployment(3), 'kubectl', true);
    assert.equal(forced.spec!.replicas, 3);
    assert.equal(fieldsOf(forced, 'kubectl-client-side-apply')['f:spec']['f:replicas'], undefined);
  });

  it('several conflicts are listed by manager', () => {
    const created = kind.type.fromJSON(deployment(2));
    created.metadata!.managedFields = managedFieldsAfterUpdate(kind, undefined, created, 'editor', '');
    assert.throws(() => applied(created, deployment(3, 'nginx:9'), 'kubectl'), {
      message: 'Apply failed with 2 conflicts: conflicts with "editor" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
    });
  });

  it('refuses a configuration of another kind or version, or one that sets managedFields', () => {
    const text = (o: Record<string, unknown>) => JSON.stringify(o);
    assert.throws(() => parseConfiguration(kind, text({ ...deployment(1), apiVersion: 'apps/v2' })), /the API version in the data \(apps\/v2\) does not match the expected API version \(apps\/v1\)/);
    assert.throws(() => parseConfiguration(kind, 'apiVersion: v1\nkind: Pod\n'), /does not match/);
    assert.throws(() => parseConfiguration(kind, text({ ...deployment(1), metadata: { name: 'web', managedFields: [{}] } })), { message: 'metadata.managedFields must be nil' });
    assert.equal(parseConfiguration(kind, 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n').spec !== undefined, true, 'YAML is read');
  });

  it('refuses fields the kind does not have', () => {
    assert.throws(() => applied(undefined, { ...deployment(1), spec: { bogus: 1 } }, 'kubectl'), /unknown field "spec.bogus"/);
  });
});

describe('managed fields: the manager', () => {
  it('is the fieldManager, else the user agent before its first "/"', () => {
    assert.equal(managerOrUserAgent('', 'kubectl-client-side-apply/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl-client-side-apply');
    assert.equal(managerOrUserAgent('mine', 'kubectl/v1.32.0'), 'mine');
    assert.equal(prefixFromUserAgent('kitectl/0.1\u0007'), 'kitectl');
    assert.equal(prefixFromUserAgent('kitectl/0.1\u0007'), 'kitectl', 'the same User-Agent again');
    assert.throws(() => managerOrUserAgent('x'.repeat(129), ''), InvalidError);
  });

  it('an apply patch needs one, and force is for apply patches only', () => {
    assert.throws(() => validatePatchOptions('application/apply-patch+yaml', '', undefined), {
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    });
    assert.throws(() => validatePatchOptions('application/merge-patch+json', 'x', true), /force: Forbidden: may not be specified for non-apply patch/);
  });
});
