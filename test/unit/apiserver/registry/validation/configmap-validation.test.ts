// ConfigMap validation as Kubernetes' ValidateConfigMap and ValidateConfigMapUpdate, table-driven,
// with Kubernetes' field paths and messages.
import assert from 'node:assert/strict';
import { ConfigMap } from '../../../../../lib/gen/kite/core/v1/types';
import {
  MAX_CONFIG_MAP_SIZE,
  validateConfigMap,
  validateConfigMapUpdate,
} from '../../../../../services/apiserver/registry/validation/configmap-validation';

interface Shape {
  name?: string;
  data?: Record<string, string>;
  binaryData?: Record<string, Buffer>;
  immutable?: boolean;
}

function cm(s: Shape = {}): ConfigMap {
  return ConfigMap.fromPartial({
    metadata: { name: s.name ?? 'settings', namespace: 'default' },
    data: s.data ?? {},
    binaryData: s.binaryData ?? {},
    immutable: s.immutable,
  });
}

const lines = (causes: { field: string; message: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

const KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const IMMUTABLE = 'Forbidden: field is immutable when `immutable` is set';
const bytes = (...b: number[]) => Buffer.from(b);

describe('apiserver validation: ConfigMap (ValidateConfigMap)', () => {
  const cases: { name: string; in: Shape; want: string[] }[] = [
    { name: 'an empty config map', in: {}, want: [] },
    { name: 'data and binaryData with valid keys', in: { data: { 'key.name': 'v', KEY_NAME: 'w', 'key-name': '' }, binaryData: { 'bin.dat': bytes(0, 255) } }, want: [] },
    { name: 'a dotted name', in: { name: 'app.config.v1' }, want: [] },
    { name: 'keys of 253 characters', in: { data: { ['a'.repeat(253)]: 'x' }, binaryData: { ['b'.repeat(253)]: bytes(1) } }, want: [] },
    { name: 'a key starting with one dot', in: { data: { '.hidden': 'x', 'a..b': 'y' } }, want: [] },
    { name: 'a name that is not a DNS subdomain', in: { name: 'My_Config' }, want: [`metadata.name: Invalid value: "My_Config": ${SUBDOMAIN_MSG}`] },
    { name: 'a data key with a space', in: { data: { 'a b': 'x' } }, want: [`data[a b]: Invalid value: "a b": ${KEY_MSG}`] },
    { name: 'a data key with a slash', in: { data: { 'conf/app': 'x' } }, want: [`data[conf/app]: Invalid value: "conf/app": ${KEY_MSG}`] },
    { name: 'a binaryData key with a colon', in: { binaryData: { 'a:b': bytes(1) } }, want: [`binaryData[a:b]: Invalid value: "a:b": ${KEY_MSG}`] },
    { name: 'an empty key', in: { data: { '': 'x' } }, want: [`data[]: Invalid value: "": ${KEY_MSG}`] },
    { name: 'the key "."', in: { data: { '.': 'x' } }, want: [`data[.]: Invalid value: ".": must not be '.'`] },
    { name: 'the key ".."', in: { binaryData: { '..': bytes(1) } }, want: [`binaryData[..]: Invalid value: "..": must not be '..'`] },
    { name: 'a key starting with ".."', in: { data: { '..data': 'x' } }, want: [`data[..data]: Invalid value: "..data": must not start with '..'`] },
    {
      name: 'a key of 254 characters',
      in: { data: { ['k'.repeat(254)]: 'x' } },
      want: [`data[${'k'.repeat(254)}]: Invalid value: "${'k'.repeat(254)}": must be no more than 253 characters`],
    },
    {
      name: 'a long key with a bad character: both reasons',
      in: { data: { [`${'k'.repeat(254)}!`]: 'x' } },
      want: [
        `data[${'k'.repeat(254)}!]: Invalid value: "${'k'.repeat(254)}!": must be no more than 253 characters`,
        `data[${'k'.repeat(254)}!]: Invalid value: "${'k'.repeat(254)}!": ${KEY_MSG}`,
      ],
    },
    { name: 'a key in both data and binaryData', in: { data: { k: 'x' }, binaryData: { k: bytes(1) } }, want: [`data[k]: Invalid value: "k": duplicate of key present in binaryData`] },
    { name: 'exactly 1 MiB in data and binaryData', in: { data: { a: 'x'.repeat(MAX_CONFIG_MAP_SIZE - 10) }, binaryData: { b: Buffer.alloc(10) } }, want: [] },
    { name: 'one byte over 1 MiB in data and binaryData', in: { data: { a: 'x'.repeat(MAX_CONFIG_MAP_SIZE - 10) }, binaryData: { b: Buffer.alloc(11) } }, want: ['data: Too long: must have at most 1048576 bytes'] },
    { name: 'data counted in UTF-8 bytes', in: { data: { a: 'é'.repeat(MAX_CONFIG_MAP_SIZE / 2 + 1) } }, want: ['data: Too long: must have at most 1048576 bytes'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(lines(validateConfigMap(cm(c.in))), c.want);
    });
  }

  it('requires a name and a namespace', () => {
    const nameless = ConfigMap.fromPartial({ metadata: { name: '', namespace: '' } });
    assert.deepEqual(lines(validateConfigMap(nameless)), ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']);
  });
});

describe('apiserver validation: ConfigMap updates (ValidateConfigMapUpdate)', () => {
  const data = { a: 'x' };
  const bin = { b: bytes(1, 2) };
  const cases: { name: string; old: Shape; new: Shape; want: string[] }[] = [
    { name: 'a mutable config map changes its data', old: { data }, new: { data: { a: 'y' }, binaryData: bin }, want: [] },
    { name: 'a mutable config map becomes immutable', old: { data }, new: { data, immutable: true }, want: [] },
    { name: 'immutable: false stays mutable', old: { data, immutable: false }, new: { data: { a: 'z' } }, want: [] },
    { name: 'an immutable config map keeps its data (fresh buffers)', old: { data, binaryData: bin, immutable: true }, new: { data: { a: 'x' }, binaryData: { b: bytes(1, 2) }, immutable: true }, want: [] },
    { name: 'immutable cannot be unset', old: { data, immutable: true }, new: { data }, want: [`immutable: ${IMMUTABLE}`] },
    { name: 'immutable cannot be set to false', old: { data, immutable: true }, new: { data, immutable: false }, want: [`immutable: ${IMMUTABLE}`] },
    { name: 'immutable data cannot change', old: { data, immutable: true }, new: { data: { a: 'y' }, immutable: true }, want: [`data: ${IMMUTABLE}`] },
    { name: 'immutable data cannot gain a key', old: { data, immutable: true }, new: { data: { a: 'x', c: '' }, immutable: true }, want: [`data: ${IMMUTABLE}`] },
    { name: 'immutable binaryData cannot change', old: { binaryData: bin, immutable: true }, new: { binaryData: { b: bytes(1, 3) }, immutable: true }, want: [`binaryData: ${IMMUTABLE}`] },
    { name: 'immutable binaryData cannot lose a key', old: { binaryData: bin, immutable: true }, new: { immutable: true }, want: [`binaryData: ${IMMUTABLE}`] },
    {
      name: 'every refusal at once, then ValidateConfigMap',
      old: { data, binaryData: bin, immutable: true },
      new: { data: { 'a b': 'x' }, binaryData: {} },
      want: [`immutable: ${IMMUTABLE}`, `data: ${IMMUTABLE}`, `binaryData: ${IMMUTABLE}`, `data[a b]: Invalid value: "a b": ${KEY_MSG}`],
    },
    { name: 'a mutable update is validated as a create', old: {}, new: { data: { k: 'x' }, binaryData: { k: bytes(1) } }, want: [`data[k]: Invalid value: "k": duplicate of key present in binaryData`] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(lines(validateConfigMapUpdate(cm(c.new), cm(c.old))), c.want);
    });
  }
});
