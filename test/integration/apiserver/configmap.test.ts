// ConfigMap over real gRPC, on both stores: create with data and binaryData (the bytes round-trip),
// get, list by label selector, watch, update, the refusals of ValidateConfigMap and of an immutable
// ConfigMap, delete; `kitectl get cm` and `kitectl apply` of a Kubernetes manifest.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { ConfigMap, Namespace, ResourceQuota } from '../../../lib/gen/kite/core/v1/types';
import { kitectl, rows } from '../kitectl/run-kitectl';
import { backends, causesOf, errorOf, Recorders, uniqueName, useApiserver } from './harness';

const BYTES = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f, 0xc3]);
const IMMUTABLE = 'Forbidden: field is immutable when `immutable` is set';

function configMap(name: string, extra: Partial<ConfigMap> & { labels?: Record<string, string> } = {}): ConfigMap {
  const { labels, ...rest } = extra;
  return ConfigMap.fromPartial({ metadata: { name, namespace: 'default', labels: labels ?? {} }, ...rest });
}

for (const backend of backends()) {
  describe(`apiserver ConfigMap over gRPC (${backend})`, function () {
    this.timeout(20_000);
    const h = useApiserver(backend);
    const recorders = new Recorders();
    afterEach(() => recorders.stopAll());

    it('creates with data and binaryData, and gets the same bytes back', async () => {
      const name = uniqueName('cm');
      const created = await h.client.configMaps.create(configMap(name, { data: { 'app.properties': 'color=blue\n', mode: 'fast' }, binaryData: { 'blob.bin': BYTES } }));
      assert.equal(created.kind, 'ConfigMap');
      assert.equal(created.apiVersion, 'v1');
      assert.match(created.metadata!.uid, /^[0-9a-f-]{36}$/);
      const got = await h.client.configMaps.get(name);
      assert.deepEqual(got.data, { 'app.properties': 'color=blue\n', mode: 'fast' });
      assert.ok(Buffer.from(got.binaryData['blob.bin']).equals(BYTES), 'binaryData bytes round-trip');
      assert.equal(got.immutable, undefined);
      assert.deepEqual(got, created);
    });

    it('lists by label selector', async () => {
      const app = uniqueName('app');
      const [a, b, c] = [uniqueName('cm-a'), uniqueName('cm-b'), uniqueName('cm-c')];
      await h.client.configMaps.create(configMap(a, { labels: { app, tier: 'web' } }));
      await h.client.configMaps.create(configMap(b, { labels: { app, tier: 'db' } }));
      await h.client.configMaps.create(configMap(c, { labels: { app: 'other' } }));
      const names = async (labelSelector: string) => (await h.client.configMaps.list({ namespace: 'default', labelSelector })).items.map((i) => i.metadata!.name).sort();
      assert.deepEqual(await names(`app=${app}`), [a, b].sort());
      assert.deepEqual(await names(`app=${app},tier!=db`), [a]);
      assert.deepEqual(await names(`app in (${app},other),tier notin (web)`), [b, c].sort());
    });

    it('updates the data of a mutable config map, and a watch sees the change', async () => {
      const name = uniqueName('cm-upd');
      const created = await h.client.configMaps.create(configMap(name, { data: { a: '1' } }));
      const w = recorders.watch(h.client.configMaps, { namespace: 'default', fieldSelector: `metadata.name=${name}`, resourceVersion: created.metadata!.resourceVersion });
      const updated = await h.client.configMaps.update({ ...created, data: { a: '2', b: '3' }, binaryData: { c: BYTES } });
      assert.deepEqual(updated.data, { a: '2', b: '3' });
      assert.notEqual(updated.metadata!.resourceVersion, created.metadata!.resourceVersion);
      await w.until('the MODIFIED event', (evs) => evs.some((e) => e.type === 'MODIFIED'));
      const ev = w.events.find((e) => e.type === 'MODIFIED')!;
      assert.deepEqual(ev.object!.data, { a: '2', b: '3' });
      assert.ok(Buffer.from(ev.object!.binaryData.c).equals(BYTES));
    });

    it('refuses invalid keys, a key in both maps and more than 1 MiB: INVALID_ARGUMENT with Kubernetes causes', async () => {
      const bad = await errorOf(() => h.client.configMaps.create(configMap(uniqueName('cm-bad'), { data: { 'a b': 'x', k: 'y' }, binaryData: { k: BYTES } })));
      assert.equal(bad.code, Status.INVALID_ARGUMENT);
      assert.deepEqual(causesOf(bad), [
        `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
        'data[k]: Invalid value: "k": duplicate of key present in binaryData',
      ]);
      const big = await errorOf(() => h.client.configMaps.create(configMap(uniqueName('cm-big'), { data: { a: 'x'.repeat(1024 * 1024) }, binaryData: { b: BYTES } })));
      assert.equal(big.code, Status.INVALID_ARGUMENT);
      assert.deepEqual(causesOf(big), ['data: Too long: must have at most 1048576 bytes']);
    });

    it('keeps an immutable config map as it is: immutable, data and binaryData refused; metadata still changes', async () => {
      const name = uniqueName('cm-imm');
      const created = await h.client.configMaps.create(configMap(name, { data: { a: '1' }, binaryData: { b: BYTES }, immutable: true }));
      assert.equal(created.immutable, true);
      const refusals: [Partial<ConfigMap>, string[]][] = [
        [{ immutable: false }, [`immutable: ${IMMUTABLE}`]],
        [{ immutable: undefined }, [`immutable: ${IMMUTABLE}`]],
        [{ data: { a: '2' } }, [`data: ${IMMUTABLE}`]],
        [{ binaryData: { b: Buffer.from('other') } }, [`binaryData: ${IMMUTABLE}`]],
        [{ immutable: false, data: {}, binaryData: {} }, [`immutable: ${IMMUTABLE}`, `data: ${IMMUTABLE}`, `binaryData: ${IMMUTABLE}`]],
      ];
      for (const [change, want] of refusals) {
        const err = await errorOf(() => h.client.configMaps.update({ ...created, ...change }));
        assert.equal(err.code, Status.INVALID_ARGUMENT, err.message);
        assert.deepEqual(causesOf(err), want, JSON.stringify(change));
      }
      const relabeled = await h.client.configMaps.update({ ...created, metadata: { ...created.metadata!, labels: { env: 'prod' } } });
      assert.deepEqual(relabeled.metadata!.labels, { env: 'prod' });
      const got = await h.client.configMaps.get(name);
      assert.deepEqual(got.data, { a: '1' });
      assert.ok(Buffer.from(got.binaryData.b).equals(BYTES));
      // Kubernetes' answer to an immutable ConfigMap that must change: delete it and create it anew.
      await h.client.configMaps.delete(name);
    });

    it('deletes, after which get answers NOT_FOUND', async () => {
      const name = uniqueName('cm-del');
      await h.client.configMaps.create(configMap(name, { data: { a: '1' } }));
      const deleted = await h.client.configMaps.delete(name);
      assert.equal(deleted.metadata!.name, name);
      const err = await errorOf(() => h.client.configMaps.get(name));
      assert.equal(err.code, Status.NOT_FOUND);
      assert.match(err.message, new RegExp(`configmaps "${name}" not found`));
    });
  });
}

describe('ConfigMap under a ResourceQuota', function () {
  this.timeout(20_000);
  const h = useApiserver('sqlite');

  it('counts under "configmaps" and "count/configmaps", as Kubernetes\' object-count quota', async () => {
    for (const name of ['configmaps', 'count/configmaps']) {
      const ns = uniqueName('cmq');
      await h.client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
      await h.client.resourceQuotas.create(ResourceQuota.fromPartial({ metadata: { name: 'q', namespace: ns }, spec: { hard: { [name]: '1' } } }));
      await h.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'first', namespace: ns } }));
      const err = await errorOf(() => h.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'second', namespace: ns } })));
      assert.equal(err.code, Status.PERMISSION_DENIED, err.message);
      assert.equal(err.message, `configmaps "second" is forbidden: exceeded quota: q, requested: ${name}=1, used: ${name}=1, limited: ${name}=1`);
    }
  });
});

describe('ConfigMap in the bootstrap RBAC policy', function () {
  this.timeout(20_000);
  const h = useApiserver('sqlite', { authorizationMode: 'RBAC' });

  it('is written by the edit ClusterRole and read, not written, by view, as in Kubernetes', async () => {
    const verbs = async (role: string) =>
      new Set((await h.client.clusterRoles.get(role)).rules.filter((r) => r.apiGroups.includes('') && r.resources.includes('configmaps')).flatMap((r) => r.verbs));
    const edit = await verbs('edit');
    for (const v of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) assert.ok(edit.has(v), `edit may ${v} configmaps`);
    const view = await verbs('view');
    assert.deepEqual([...view].sort(), ['get', 'list', 'watch']);
  });
});

describe('kitectl with ConfigMaps', function () {
  this.timeout(20_000);
  const h = useApiserver('sqlite');
  const k = async (args: string[], stdin?: string) => {
    const r = await kitectl(['--server', h.api.address, ...args], { stdin });
    assert.equal(r.code, 0, `kitectl ${args.join(' ')} failed: ${r.err}`);
    return r.out;
  };

  it('api-resources lists configmaps with the short name cm', async () => {
    const row = rows(await k(['api-resources'])).find((r) => r[0] === 'configmaps');
    assert.deepEqual(row, ['configmaps', 'cm', 'v1', 'true', 'ConfigMap']);
  });

  it('get cm prints NAME, DATA (keys in data and binaryData) and AGE', async () => {
    const ns = uniqueName('cmns');
    await h.client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    await h.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'empty', namespace: ns } }));
    await h.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'three', namespace: ns }, data: { a: '1', b: '2' }, binaryData: { c: BYTES } }));
    const table = rows(await k(['get', 'cm', '-n', ns]));
    assert.deepEqual(table[0], ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(table.slice(1).map((r) => r.slice(0, 2)), [['empty', '0'], ['three', '3']]);
    assert.match(table[1][2], /^\d+s$/);
    assert.deepEqual(rows(await k(['get', 'configmaps', 'three', '-n', ns])).map((r) => r.slice(0, 2)), [['NAME', 'DATA'], ['three', '3']]);
  });

  it('applies a Kubernetes ConfigMap manifest unchanged, binaryData from base64', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: game-demo',
      '  labels:',
      '    app: game',
      'data:',
      '  # property-like keys; each key maps to a simple value',
      '  player_initial_lives: "3"',
      '  ui_properties_file_name: "user-interface.properties"',
      '  game.properties: |',
      '    enemy.types=aliens,monsters',
      '    player.maximum-lives=5',
      'binaryData:',
      `  logo.bin: ${BYTES.toString('base64')}`,
      'immutable: false',
      '',
    ].join('\n');
    assert.equal(await k(['apply', '-f', '-'], manifest), 'configmap/game-demo created\n');
    const cm = await h.client.configMaps.get('game-demo', 'default');
    assert.deepEqual(cm.data, {
      player_initial_lives: '3',
      ui_properties_file_name: 'user-interface.properties',
      'game.properties': 'enemy.types=aliens,monsters\nplayer.maximum-lives=5\n',
    });
    assert.ok(Buffer.from(cm.binaryData['logo.bin']).equals(BYTES), 'binaryData decoded from base64');
    assert.equal(cm.immutable, false);
    assert.deepEqual(cm.metadata!.labels, { app: 'game' });
    assert.equal(await k(['apply', '-f', '-'], manifest), 'configmap/game-demo unchanged\n');
    assert.equal(await k(['apply', '-f', '-'], manifest.replace('"3"', '"4"')), 'configmap/game-demo configured\n');
    assert.equal((await h.client.configMaps.get('game-demo', 'default')).data.player_initial_lives, '4');
    const yaml = await k(['get', 'cm', 'game-demo', '-o', 'yaml']);
    assert.match(yaml, new RegExp(`logo\\.bin: ${BYTES.toString('base64').replace(/[+/=]/g, '\\$&')}`));
    assert.match(yaml, /^kind: ConfigMap$/m);
    assert.deepEqual(rows(await k(['get', 'cm', 'game-demo'])).map((r) => r.slice(0, 2)), [['NAME', 'DATA'], ['game-demo', '4']]);
    assert.equal(
      await k(['describe', 'cm', 'game-demo']),
      [
        'Name:         game-demo',
        'Namespace:    default',
        'Labels:       app=game',
        'Annotations:  <none>',
        '',
        'Data',
        '====',
        'game.properties:',
        '----',
        'enemy.types=aliens,monsters',
        'player.maximum-lives=5',
        '',
        '',
        'player_initial_lives:',
        '----',
        '4',
        '',
        'ui_properties_file_name:',
        '----',
        'user-interface.properties',
        '',
        '',
        'BinaryData',
        '====',
        `logo.bin: ${BYTES.length} bytes`,
        '',
        'Events:  <none>',
        '',
      ].join('\n'),
    );
    assert.equal(await k(['delete', 'cm', 'game-demo']), 'configmap "game-demo" deleted\n');
  });
});
