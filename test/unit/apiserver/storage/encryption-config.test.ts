// --encryption-provider-config: loading and validating an EncryptionConfiguration, with
// kube-apiserver's field paths and wording, and which resources a configuration covers.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEncryptionConfig } from '../../../../services/apiserver/storage/encryption-config';

const KEY32 = randomBytes(32).toString('base64');

describe('loadEncryptionConfig', () => {
  let dir: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-encryption-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (text: string): string => {
    const path = join(dir, `config-${n++}.yaml`);
    writeFileSync(path, text);
    return path;
  };
  const config = (resources: string): string => `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n${resources}`;
  const errorOf = (text: string): string => {
    try {
      loadEncryptionConfig(file(text));
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the configuration to be refused');
  };
  const providers = (yaml: string) => config(`  - resources: [secrets]\n    providers:\n${yaml}`);

  it("loads the docs' example: secrets and configmaps with aescbc, aesgcm, secretbox, then identity", () => {
    const t = loadEncryptionConfig(
      file(
        config(`  - resources:
      - secrets
      - configmaps
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${KEY32}
      - aesgcm:
          keys:
            - name: key2
              secret: ${randomBytes(16).toString('base64')}
      - secretbox:
          keys:
            - name: key3
              secret: ${KEY32}
      - identity: {}
`),
      ),
    );
    assert.ok(t.forResource('', 'secrets'));
    assert.ok(t.forResource('', 'configmaps'));
    assert.equal(t.forResource('', 'pods'), undefined);
  });

  it("accepts a key's base64 broken over lines, as Go's decoder does", () => {
    const secret = `${KEY32.slice(0, 20)}\n${KEY32.slice(20)}`;
    const json = { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers: [{ secretbox: { keys: [{ name: 'k', secret }] } }] }] };
    assert.ok(loadEncryptionConfig(file(JSON.stringify(json))).forResource('', 'secrets'));
  });

  it('reads JSON too', () => {
    const json = { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers: [{ identity: {} }] }] };
    assert.ok(loadEncryptionConfig(file(JSON.stringify(json))).forResource('', 'secrets'));
  });

  it('matches resources as Kubernetes does: exact, *.<group>, *. for the core group, *.* for all', () => {
    const aes = `    providers:\n      - aescbc:\n          keys:\n            - name: k\n              secret: ${KEY32}\n`;
    const t = loadEncryptionConfig(file(config(`  - resources: [deployments.apps]\n${aes}  - resources: ['*.rbac.authorization.k8s.io', '*.']\n${aes}`)));
    assert.ok(t.forResource('apps', 'deployments'));
    assert.equal(t.forResource('apps', 'replicasets'), undefined);
    assert.ok(t.forResource('rbac.authorization.k8s.io', 'roles'));
    assert.ok(t.forResource('', 'secrets'));
    assert.equal(t.forResource('coordination.k8s.io', 'leases'), undefined);
    const all = loadEncryptionConfig(file(config(`  - resources: ['*.*']\n${aes}`)));
    assert.ok(all.forResource('coordination.k8s.io', 'leases'));
    assert.ok(all.forKeys(() => '')('/registry/pods/default/p'));
  });

  const refused: [string, string, string][] = [
    ['a file that is not there', '', 'error while parsing file: error opening encryption provider configuration file'],
    ['an empty file', '', 'is empty'],
    ['another kind', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfig\nresources: []\n', 'error while parsing file: no kind "EncryptionConfig" is registered for version "apiserver.config.k8s.io/v1"'],
    ['no resources', config(' []\n'), 'error while parsing file: resources: Required value: at least one resources is required'],
    ['a list entry with no providers', config('  - resources: [secrets]\n'), 'resources[0].providers: Required value: at least one resources[0].providers is required'],
    ['a list entry with no resources', config('  - providers:\n      - identity: {}\n'), 'resources[0].resources: Required value: at least one resources[0].resources is required'],
    [
      'an unknown provider',
      providers('      - aescbd:\n          keys: []\n'),
      'resources[0].providers[0]: Invalid value: {"aescbd"}: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity',
    ],
    ['kms, which Kite lacks', providers('      - kms:\n          name: k\n'), 'resources[0].providers[0].kms: Unsupported value: "kms": supported values: "aescbc", "aesgcm", "identity", "secretbox"'],
    [
      'two providers in one element',
      providers(`      - identity: {}\n        secretbox:\n          keys:\n            - name: k\n              secret: ${KEY32}\n`),
      'more than one provider specified in a single element, should split into different list elements',
    ],
    ['a provider without keys', providers('      - aescbc: {}\n'), 'resources[0].providers[0].aescbc.keys: Required value: at least one keys is required'],
    ['a key without a name', providers(`      - aesgcm:\n          keys:\n            - secret: ${KEY32}\n`), 'resources[0].providers[0].aesgcm.keys[0].name: Required value: name is a mandatory field for a key'],
    ['a key without a secret', providers('      - aesgcm:\n          keys:\n            - name: k\n'), 'resources[0].providers[0].aesgcm.keys[0].secret: Required value: secret is a mandatory field for a key'],
    ['bad base64', providers('      - aescbc:\n          keys:\n            - name: k\n              secret: "not base64!"\n'), 'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded'],
    [
      'a wrong AES key length',
      providers(`      - aescbc:\n          keys:\n            - name: k\n              secret: ${randomBytes(8).toString('base64')}\n`),
      'resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]',
    ],
    [
      'a 16-byte secretbox key',
      providers(`      - secretbox:\n          keys:\n            - name: k\n              secret: ${randomBytes(16).toString('base64')}\n`),
      'resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]',
    ],
    ['a capital letter', config('  - resources: [Secrets]\n    providers:\n      - identity: {}\n'), 'resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters'],
    ['a bare *', config("  - resources: ['*']\n    providers:\n      - identity: {}\n"), "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"],
    ['a resource across groups', config("  - resources: ['secrets.*']\n    providers:\n      - identity: {}\n"), 'encrypting the same resource across groups is not supported'],
    [
      'overlapping resources',
      config("  - resources: [secrets, '*.']\n    providers:\n      - identity: {}\n"),
      `resources[0].resources: Invalid value: []string{"secrets", "*."}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked`,
    ],
    ['the same resource twice', config('  - resources: [secrets, secrets]\n    providers:\n      - identity: {}\n'), 'the same resource cannot be specified multiple times'],
    [
      'a resource masked by an earlier rule',
      config("  - resources: ['*.']\n    providers:\n      - identity: {}\n  - resources: [secrets]\n    providers:\n      - identity: {}\n"),
      'error while parsing file: resource "secrets" is masked by earlier rule "*."',
    ],
    ['a wrong type', config('  - resources: secrets\n    providers: []\n'), 'json: cannot unmarshal string into Go struct field ResourceConfiguration.resources of type []string'],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}`, () => {
      const got = what === 'a file that is not there' ? messageOfMissing(dir) : errorOf(text);
      assert.ok(got.includes(message), `${got}\n  does not include\n${message}`);
    });
  }

  it('lists every problem at once, and never prints a key', () => {
    const bad = randomBytes(8).toString('base64');
    const got = errorOf(providers(`      - aescbc:\n          keys:\n            - name: k\n              secret: ${bad}\n      - aesgcm:\n          keys: []\n`));
    assert.match(got, /^error while parsing file: \[resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: .*, resources\[0\]\.providers\[1\]\.aesgcm\.keys: Required value: .*\]$/);
    assert.ok(!got.includes(bad));
  });
});

function messageOfMissing(dir: string): string {
  try {
    loadEncryptionConfig(join(dir, 'missing.yaml'));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}
