// Pull-secret credentials matched to images as Kubernetes' credential keyring matches them
// (cases after pkg/credentialprovider's keyring_test.go).
import assert from 'node:assert/strict';
import { Secret } from '../../../../lib/gen/kite/core/v1/types';
import { DockerKeyring, imageRepository, isDefaultRegistryMatch, urlsMatch } from '../../../../services/kubelet/images/credentials';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const users = (keyring: DockerKeyring, image: string) => keyring.lookup(image).map((c) => c.username);

describe('kubelet registry credentials (Kubernetes credential keyring)', () => {
  it('normalizes image references to repositories as the kubelet does before the lookup', () => {
    assert.equal(imageRepository('nginx'), 'docker.io/library/nginx');
    assert.equal(imageRepository('nginx:1.25'), 'docker.io/library/nginx');
    assert.equal(imageRepository('team/app:v1'), 'docker.io/team/app');
    assert.equal(imageRepository('index.docker.io/team/app'), 'docker.io/team/app');
    assert.equal(imageRepository('quay.io/org/app@sha256:abcd'), 'quay.io/org/app');
    assert.equal(imageRepository('localhost:5000/app:1'), 'localhost:5000/app');
    assert.equal(imageRepository('localhost/app'), 'localhost/app');
  });

  it('matches hosts part by part with globs, ports exactly, and paths as prefixes (URLsMatch)', () => {
    const cases: [string, string, boolean][] = [
      ['*.kubernetes.io', 'prefix.kubernetes.io/foo', true],
      ['*.kubernetes.io', 'kubernetes.io/foo', false],
      ['*.*.kubernetes.io', 'prefix.kubernetes.io/foo', false],
      ['prefix.*.io', 'prefix.kubernetes.io/foo', true],
      ['*-good.kubernetes.io', 'prefix-good.kubernetes.io/foo', true],
      ['*-good.kubernetes.io', 'prefix-bad.kubernetes.io/foo', false],
      ['kubernetes.io:1234', 'kubernetes.io:1234/foo', true],
      ['kubernetes.io:1234', 'kubernetes.io:5678/foo', false],
      ['kubernetes.io', 'kubernetes.io:1234/foo', false],
      ['kubernetes.io/foo', 'kubernetes.io/foo/bar', true],
      ['kubernetes.io/foo', 'kubernetes.io/bar', false],
    ];
    for (const [glob, target, want] of cases) assert.equal(urlsMatch(glob, target), want, `${glob} ${target}`);
  });

  it('knows which repositories come from Docker Hub', () => {
    for (const image of ['library/ubuntu', 'ubuntu', 'docker.io/library/nginx', 'index.docker.io/x/y', 'team/app']) assert.ok(isDefaultRegistryMatch(image), image);
    for (const image of ['quay.io/org/app', 'localhost:5000/app', 'registry.local/app']) assert.ok(!isDefaultRegistryMatch(image), image);
  });

  it('reads dockerconfigjson and dockercfg Secrets (auth wins over username/password) and ignores other types', () => {
    const keyring = DockerKeyring.fromSecrets([
      Secret.fromPartial({
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'quay.io': { auth: b64('quay-user:quay-pass'), username: 'ignored' } } })) },
      }),
      Secret.fromPartial({ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': Buffer.from(JSON.stringify({ 'gcr.io': { username: 'gcr-user', password: 'gcr-pass', email: 'a@b.c' } })) } }),
      Secret.fromPartial({ type: 'Opaque', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'ghcr.io': { username: 'nope' } } })) } }),
    ]);
    assert.deepEqual(keyring.lookup('quay.io/org/app:1'), [{ username: 'quay-user', password: 'quay-pass', email: undefined, serveraddress: 'quay.io' }]);
    assert.deepEqual(keyring.lookup('gcr.io/project/app'), [{ username: 'gcr-user', password: 'gcr-pass', email: 'a@b.c', serveraddress: 'gcr.io' }]);
    assert.deepEqual(keyring.lookup('ghcr.io/x/y'), []);
    assert.deepEqual(keyring.lookup('nginx'), []);
  });

  it('refuses a malformed auth field or config as Kubernetes does', () => {
    const bad = (data: string) => [Secret.fromPartial({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(data) } })];
    assert.throws(() => DockerKeyring.fromSecrets(bad(JSON.stringify({ auths: { 'quay.io': { auth: b64('no-colon') } } }))), /unable to parse auth field, must be formatted as base64\(username:password\)/);
    assert.throws(() => DockerKeyring.fromSecrets(bad('{not json')));
  });

  it('Docker Hub: docker.io and https://index.docker.io/v1/ entries serve its images; a scheme and /v1/ or /v2/ are ignored', () => {
    const hub = new DockerKeyring();
    hub.add({ 'https://index.docker.io/v1/': { username: 'hub' } });
    assert.deepEqual(users(hub, 'nginx'), ['hub']);
    assert.deepEqual(users(hub, 'docker.io/team/app:v2'), ['hub']);
    assert.deepEqual(users(hub, 'quay.io/team/app'), []);
    const short = new DockerKeyring();
    short.add({ 'docker.io': { username: 'short' } });
    assert.deepEqual(users(short, 'team/app'), ['short']);
    const v2 = new DockerKeyring();
    v2.add({ 'https://registry.local:5000/v2/': { username: 'v2' } });
    assert.deepEqual(users(v2, 'registry.local:5000/app'), ['v2']);
  });

  it('tries more specific paths first, then the host, and every matching wildcard', () => {
    const keyring = new DockerKeyring();
    keyring.add({ 'quay.io': { username: 'host' }, 'quay.io/org': { username: 'org' }, 'quay.io/org/team': { username: 'team' }, '*.quay.io': { username: 'wild' } });
    assert.deepEqual(users(keyring, 'quay.io/org/team/app'), ['team', 'org', 'host']);
    assert.deepEqual(users(keyring, 'quay.io/other/app'), ['host']);
    assert.deepEqual(users(keyring, 'eu.quay.io/org/app'), ['wild']);
  });
});
