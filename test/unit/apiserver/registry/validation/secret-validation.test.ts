// Secret validation as Kubernetes' ValidateSecret and ValidateSecretUpdate, table-driven, with
// Kubernetes' field paths and messages; and the stringData merge (defaultSecret).
import assert from 'node:assert/strict';
import { Secret } from '../../../../../lib/gen/kite/core/v1/types';
import {
  MAX_SECRET_SIZE,
  defaultSecret,
  jsonObjectError,
  validateSecret,
  validateSecretUpdate,
} from '../../../../../services/apiserver/registry/validation/secret-validation';

interface Shape {
  name?: string;
  type?: string;
  data?: Record<string, string | Buffer>;
  annotations?: Record<string, string>;
  immutable?: boolean;
}

function secret(s: Shape = {}): Secret {
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) data[k] = typeof v === 'string' ? Buffer.from(v) : v;
  return Secret.fromPartial({
    metadata: { name: s.name ?? 'creds', namespace: 'default', annotations: s.annotations ?? {} },
    type: s.type ?? 'Opaque',
    data,
    immutable: s.immutable,
  });
}

const lines = (causes: { field: string; message: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

const KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const IMMUTABLE = 'Forbidden: field is immutable when `immutable` is set';
const REDACTED = '<secret contents redacted>';

describe('apiserver validation: Secret (ValidateSecret)', () => {
  const cases: { name: string; in: Shape; want: string[] }[] = [
    { name: 'an empty opaque secret', in: {}, want: [] },
    { name: 'opaque data with valid keys', in: { data: { 'key.name': 'v', KEY_NAME: 'w', 'key-name': '' } }, want: [] },
    { name: 'an unknown type has no requirement', in: { type: 'example.com/custom' }, want: [] },
    { name: 'a name that is not a DNS subdomain', in: { name: 'My_Secret' }, want: [`metadata.name: Invalid value: "My_Secret": ${SUBDOMAIN_MSG}`] },
    { name: 'a data key with a slash', in: { data: { 'a/b': 'x' } }, want: [`data[a/b]: Invalid value: "a/b": ${KEY_MSG}`] },
    { name: 'the key ".."', in: { data: { '..': 'x' } }, want: [`data[..]: Invalid value: "..": must not be '..'`] },
    { name: 'exactly 1 MiB of data', in: { data: { a: Buffer.alloc(MAX_SECRET_SIZE - 10), b: Buffer.alloc(10) } }, want: [] },
    { name: 'one byte over 1 MiB of data', in: { data: { a: Buffer.alloc(MAX_SECRET_SIZE - 10), b: Buffer.alloc(11) } }, want: ['data: Too long: must have at most 1048576 bytes'] },
    // service-account-token
    {
      name: 'a service-account-token without the service account annotation',
      in: { type: 'kubernetes.io/service-account-token' },
      want: ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    },
    {
      name: 'a service-account-token with an empty service account annotation',
      in: { type: 'kubernetes.io/service-account-token', annotations: { 'kubernetes.io/service-account.name': '' } },
      want: ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    },
    { name: 'a service-account-token naming its service account', in: { type: 'kubernetes.io/service-account-token', annotations: { 'kubernetes.io/service-account.name': 'default' } }, want: [] },
    // dockercfg
    { name: 'a dockercfg without .dockercfg', in: { type: 'kubernetes.io/dockercfg', data: { other: '{}' } }, want: ['data[.dockercfg]: Required value'] },
    { name: 'a dockercfg with a JSON object', in: { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': '{"registry.example.com":{"auth":"eDp5"}}' } }, want: [] },
    {
      name: 'a dockercfg that is not JSON',
      in: { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': 'registry: x' } },
      want: [`data[.dockercfg]: Invalid value: "${REDACTED}": invalid character 'r' looking for beginning of value`],
    },
    // dockerconfigjson
    { name: 'a dockerconfigjson without .dockerconfigjson', in: { type: 'kubernetes.io/dockerconfigjson' }, want: ['data[.dockerconfigjson]: Required value'] },
    { name: 'a dockerconfigjson with a JSON object', in: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '{"auths":{}}' } }, want: [] },
    {
      name: 'a dockerconfigjson with a JSON array',
      in: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '[1]' } },
      want: [`data[.dockerconfigjson]: Invalid value: "${REDACTED}": json: cannot unmarshal array into Go value of type map[string]interface {}`],
    },
    {
      name: 'a dockerconfigjson that is empty',
      in: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '' } },
      want: [`data[.dockerconfigjson]: Invalid value: "${REDACTED}": unexpected end of JSON input`],
    },
    // basic-auth
    { name: 'a basic-auth without username or password', in: { type: 'kubernetes.io/basic-auth' }, want: ['data[username]: Required value', 'data[password]: Required value'] },
    { name: 'a basic-auth with only an empty username', in: { type: 'kubernetes.io/basic-auth', data: { username: '' } }, want: [] },
    { name: 'a basic-auth with only a password', in: { type: 'kubernetes.io/basic-auth', data: { password: 'p' } }, want: [] },
    // ssh-auth
    { name: 'an ssh-auth without ssh-privatekey', in: { type: 'kubernetes.io/ssh-auth' }, want: ['data[ssh-privatekey]: Required value'] },
    { name: 'an ssh-auth with an empty ssh-privatekey', in: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': '' } }, want: ['data[ssh-privatekey]: Required value'] },
    { name: 'an ssh-auth with its key', in: { type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': 'k' } }, want: [] },
    // tls
    { name: 'a tls secret with neither', in: { type: 'kubernetes.io/tls' }, want: ['data[tls.crt]: Required value', 'data[tls.key]: Required value'] },
    { name: 'a tls secret without tls.key', in: { type: 'kubernetes.io/tls', data: { 'tls.crt': 'c' } }, want: ['data[tls.key]: Required value'] },
    { name: 'a tls secret with empty tls.crt and tls.key', in: { type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(lines(validateSecret(secret(c.in))), c.want);
    });
  }

  it('requires a name and a namespace', () => {
    const nameless = Secret.fromPartial({ metadata: { name: '', namespace: '' }, type: 'Opaque' });
    assert.deepEqual(lines(validateSecret(nameless)), ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']);
  });

  it('words JSON errors as Go json.Unmarshal does', () => {
    assert.equal(jsonObjectError('{}'), undefined);
    assert.equal(jsonObjectError('null'), undefined);
    assert.equal(jsonObjectError('x'), "invalid character 'x' looking for beginning of value");
    assert.equal(jsonObjectError('"s"'), 'json: cannot unmarshal string into Go value of type map[string]interface {}');
    assert.equal(jsonObjectError('3'), 'json: cannot unmarshal number into Go value of type map[string]interface {}');
    assert.equal(jsonObjectError('true'), 'json: cannot unmarshal bool into Go value of type map[string]interface {}');
  });
});

describe('apiserver validation: Secret updates (ValidateSecretUpdate)', () => {
  const data = { a: 'x' };
  const cases: { name: string; old: Shape; new: Shape; want: string[] }[] = [
    { name: 'a mutable secret changes its data', old: { data }, new: { data: { a: 'y', b: 'z' } }, want: [] },
    { name: 'a mutable secret becomes immutable', old: { data }, new: { data, immutable: true }, want: [] },
    { name: 'the type cannot change', old: { data }, new: { data, type: 'example.com/other' }, want: ['type: Invalid value: "example.com/other": field is immutable'] },
    {
      name: 'the type cannot change, then ValidateSecret checks the new type',
      old: { data },
      new: { data, type: 'kubernetes.io/tls' },
      want: ['type: Invalid value: "kubernetes.io/tls": field is immutable', 'data[tls.crt]: Required value', 'data[tls.key]: Required value'],
    },
    { name: 'an immutable secret keeps its data (fresh buffers)', old: { data, immutable: true }, new: { data: { a: 'x' }, immutable: true }, want: [] },
    { name: 'immutable cannot be unset', old: { data, immutable: true }, new: { data }, want: [`immutable: ${IMMUTABLE}`] },
    { name: 'immutable cannot be set to false', old: { data, immutable: true }, new: { data, immutable: false }, want: [`immutable: ${IMMUTABLE}`] },
    { name: 'immutable data cannot change', old: { data, immutable: true }, new: { data: { a: 'y' }, immutable: true }, want: [`data: ${IMMUTABLE}`] },
    { name: 'immutable data cannot lose a key', old: { data, immutable: true }, new: { immutable: true }, want: [`data: ${IMMUTABLE}`] },
    {
      name: 'every refusal at once, then ValidateSecret',
      old: { data, immutable: true },
      new: { data: { 'a b': 'x' }, type: 'X' },
      want: ['type: Invalid value: "X": field is immutable', `immutable: ${IMMUTABLE}`, `data: ${IMMUTABLE}`, `data[a b]: Invalid value: "a b": ${KEY_MSG}`],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(lines(validateSecretUpdate(secret(c.new), secret(c.old))), c.want);
    });
  }
});

describe('apiserver defaults: Secret (stringData and type)', () => {
  it('merges stringData into data, overriding the same keys, and clears it', () => {
    const s = Secret.fromPartial({ metadata: { name: 'x' }, data: { a: Buffer.from('old'), b: Buffer.from('keep') }, stringData: { a: 'new', c: 'añadido' } });
    defaultSecret(s);
    assert.deepEqual(
      Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v).toString('utf8')])),
      { a: 'new', b: 'keep', c: 'añadido' },
    );
    assert.deepEqual(s.stringData, {});
  });
  it('defaults an empty type to Opaque and keeps any other', () => {
    const s = Secret.fromPartial({ metadata: { name: 'x' } });
    defaultSecret(s);
    assert.equal(s.type, 'Opaque');
    const t = Secret.fromPartial({ metadata: { name: 'x' }, type: 'kubernetes.io/tls' });
    defaultSecret(t);
    assert.equal(t.type, 'kubernetes.io/tls');
  });
});
