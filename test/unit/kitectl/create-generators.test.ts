// `kitectl create configmap|secret|serviceaccount|namespace|deployment --dry-run=client` and the
// checks of `create token`, compared with the real kubectl's output for the same arguments
// (kubectl on PATH, no cluster: client dry runs never connect). Without kubectl the
// comparisons are skipped; the assertions on kitectl's own output still run.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../services/kitectl/main';
import { checkKeyPair, dockerConfigJSON } from '../../../services/kitectl/create-config';
import { Cli } from '../../../services/kitectl/cli-context';
import { buildTokenRequest, createToken } from '../../../services/kitectl/create-token';
import type { Clientset } from '../../../lib/client/clientset';
import { TokenRequest } from '../../../lib/gen/kite/authentication/v1/types';
import { splitSliceFlag } from '../../../services/kitectl/create-sources';

interface Result {
  code: number;
  out: string;
  err: string;
}

const ENV_KEY = 'KITECTL_CREATE_TEST_VALUE';

function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
}

describe('kitectl create generators (compared with kubectl --dry-run=client)', function () {
  this.timeout(20_000);
  let dir: string;
  let kubeconfig: string;
  const withKubectl = hasKubectl();
  let cert: string;
  let key: string;
  let otherKey: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kitectl-create-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, '');
    process.env[ENV_KEY] = 'from the environment';
    mkdirSync(join(dir, 'conf', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'conf', 'app.properties'), 'a=1\nb=2\n');
    writeFileSync(join(dir, 'conf', 'greeting'), 'héllo <world> & "friends"');
    writeFileSync(join(dir, 'conf', 'logo.bin'), Buffer.from([0xff, 0xd8, 0x00, 0x10, 0x80]));
    writeFileSync(join(dir, 'conf', 'sub', 'ignored'), 'x');
    symlinkSync('greeting', join(dir, 'conf', 'link'));
    mkdirSync(join(dir, 'badkeys'));
    writeFileSync(join(dir, 'badkeys', 'has space'), 'x');
    writeFileSync(join(dir, 'one.txt'), 'one\n');
    writeFileSync(join(dir, 'app.env'), `\ufeff# settings\n\nNAME=web\n  PORT=8080\r\nEMPTY=\nURL=http://x/?a=b&c=d\n${ENV_KEY}\nUNSET_${ENV_KEY}\n\t# indented comment\n`);
    writeFileSync(join(dir, 'more.env'), 'EXTRA=yes\n');
    writeFileSync(join(dir, 'dup.env'), 'NAME=other\n');
    writeFileSync(join(dir, 'badname.env'), 'export X=1\n');
    writeFileSync(join(dir, 'docker.json'), '{"auths":{"registry.example":{"auth":"dTpw"}}}\n');
    const pair = (name: string) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`), '-days', '1', '-subj', `/CN=${name}`], { stdio: 'ignore' });
    };
    pair('tls');
    pair('other');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'ec.key'), '-out', join(dir, 'ec.crt'), '-days', '1', '-subj', '/CN=ec'], { stdio: 'ignore' });
    cert = join(dir, 'tls.crt');
    key = join(dir, 'tls.key');
    otherKey = join(dir, 'other.key');
  });
  after(() => {
    delete process.env[ENV_KEY];
    rmSync(dir, { recursive: true, force: true });
  });

  async function kitectl(args: string[]): Promise<Result> {
    let out = '';
    let err = '';
    const code = await run(args, { out: (s) => (out += s), err: (s) => (err += s), readStdin: async () => '', signal: new AbortController().signal });
    return { code, out, err };
  }

  function kubectl(args: string[]): Result {
    const r = spawnSync('kubectl', args, { cwd: dir, env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: 'utf8' });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr.replace(/kubectl/g, 'kitectl') };
  }

  /** Runs both (kitectl from the same directory, so relative paths match) and compares everything. */
  async function same(args: string[]): Promise<Result> {
    const cwd = process.cwd();
    process.chdir(dir);
    let mine: Result;
    try {
      mine = await kitectl(args);
    } finally {
      process.chdir(cwd);
    }
    if (withKubectl) assert.deepEqual(mine, kubectl(args), `kitectl ${args.join(' ')}`);
    return mine;
  }

  const client = ['--dry-run=client'];

  describe('configmap', () => {
    it('takes literals, files, keyed files and directories (binary files to binaryData, non-regular entries skipped)', async () => {
      const r = await same(['create', 'configmap', 'web', '--from-literal=mode=prod', '--from-literal=eq=a=b', '--from-file=conf', '--from-file=renamed=one.txt', ...client, '-o', 'yaml']);
      assert.equal(r.code, 0);
      assert.match(r.out, /binaryData:\n {2}logo\.bin: /);
      assert.match(r.out, /renamed: \|\n {4}one\n/);
      assert.doesNotMatch(r.out, /ignored|link/);
      await same(['create', 'cm', 'web', '--from-file=one.txt,renamed=app.env', ...client, '-o', 'json']);
      await same(['create', 'cm', 'web', '--from-file=conf', ...client, '-o', 'json']);
    });

    it('reads env files: comments, blank lines, BOM, CRLF, bare keys from the environment, several files', async () => {
      const r = await same(['create', 'configmap', 'env', '--from-env-file=app.env', '--from-env-file=more.env', ...client, '-o', 'yaml']);
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`${ENV_KEY}: from the environment`));
      assert.match(r.out, /PORT: "8080"\n/);
      await same(['create', 'cm', 'env', '--from-env-file=app.env,more.env', ...client, '-o', 'json']);
    });

    it('prints values as kubectl\'s YAML printer does (quoting, folding, key order)', async () => {
      const prose = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore';
      await same(['create', 'configmap', 'y', '--from-literal=msg=hello: world', `--from-literal=long=${prose}`, `--from-literal=hash=# ${prose}`, '--from-literal=k10=10', '--from-literal=k2=on', '--from-literal=tab=a\tb', '--from-literal=emoji=\u{1F600}', ...client, '-o', 'yaml']);
    });

    it('appends kubectl\'s content hash to the name', async () => {
      const r = await same(['create', 'configmap', 'h', '--from-literal=a=1', '--from-file=conf', '--append-hash', ...client, '-o', 'name']);
      assert.match(r.out, /^configmap\/h-[a-z0-9]{10}\n$/);
      await same(['create', 'configmap', 'h', '--from-env-file=app.env', '--append-hash', ...client, '-o', 'name']);
    });

    it('prints the created line, the namespace given with -n, and refuses table formats and bad --dry-run values', async () => {
      assert.equal((await same(['create', 'configmap', 'plain', '--from-literal=a=1', ...client])).out, 'configmap/plain created (dry run)\n');
      assert.match((await same(['-n', 'team-a', 'create', 'configmap', 'ns', ...client, '-o', 'yaml'])).out, /namespace: team-a/);
      const wide = await kitectl(['create', 'configmap', 'x', ...client, '-o', 'wide']);
      assert.equal(wide.code, 1);
      assert.match(wide.err, /^error: unable to match a printer suitable for the output format "wide"/);
      await same(['create', 'configmap', 'x', '--dry-run=maybe']);
    });

    for (const [what, args] of [
      ['a key given twice', ['--from-literal=a=1', '--from-literal=a=2']],
      ['a literal colliding with a file', ['--from-file=greeting=one.txt', '--from-literal=greeting=x']],
      ['a key colliding with a binary file', ['--from-file=conf', '--from-file=logo.bin=one.txt']],
      ['an invalid literal key', ['--from-literal=has space=1']],
      ['a literal without =', ['--from-literal=novalue']],
      ['a directory with an invalid file name', ['--from-file=badkeys']],
      ['a key for a directory', ['--from-file=k=conf']],
      ['a missing file', ['--from-file=missing.txt']],
      ['an empty key name', ['--from-file==one.txt']],
      ['an env file with another source', ['--from-env-file=app.env', '--from-literal=a=1']],
      ['an env file key given twice', ['--from-env-file=app.env', '--from-env-file=dup.env']],
      ['an invalid env file key', ['--from-env-file=badname.env']],
      ['a directory as env file', ['--from-env-file=conf']],
    ] as const) {
      it(`refuses ${what} with kubectl's message`, async () => {
        const r = await same(['create', 'configmap', 'bad', ...args, ...client]);
        assert.equal(r.code, 1);
        assert.match(r.err, /^error: /);
      });
    }
  });

  describe('secret generic', () => {
    it('base64-encodes every source, keeps --type and hashes the name', async () => {
      const r = await same(['create', 'secret', 'generic', 's', '--from-literal=user=admin', '--from-file=conf', '--type=example.com/custom', ...client, '-o', 'yaml']);
      assert.match(r.out, /user: YWRtaW4=/);
      assert.match(r.out, /type: example\.com\/custom/);
      await same(['create', 'secret', 'generic', 's', '--from-env-file=app.env', ...client, '-o', 'json']);
      await same(['create', 'secret', 'generic', 's', '--from-literal=a=1', '--append-hash', ...client, '-o', 'name']);
      await same(['create', 'secret', 'generic', 's', '--from-literal=a=1', '--type=kubernetes.io/tls', '--append-hash', ...client, '-o', 'name']);
    });

    for (const [what, args] of [
      ['a key given twice', ['--from-literal=a=1', '--from-file=a=one.txt']],
      ['an invalid key', ['--from-literal=has space=1']],
      ['an env file with another source', ['--from-env-file=app.env', '--from-file=one.txt']],
      ['a directory as env file', ['--from-env-file=conf']],
    ] as const) {
      it(`refuses ${what} with kubectl's message`, async () => {
        assert.equal((await same(['create', 'secret', 'generic', 'bad', ...args, ...client])).code, 1);
      });
    }
  });

  describe('secret tls', () => {
    it('stores a matching pair as tls.crt and tls.key', async () => {
      const r = await same(['create', 'secret', 'tls', 't', `--cert=${cert}`, `--key=${key}`, ...client, '-o', 'yaml']);
      assert.match(r.out, /tls\.crt: /);
      assert.match(r.out, /type: kubernetes\.io\/tls/);
      await same(['create', 'secret', 'tls', 't', `--cert=${cert}`, `--key=${key}`, '--append-hash', ...client, '-o', 'name']);
    });

    it('refuses a key that is not the certificate\'s, missing flags, missing files and files without PEM data', async () => {
      assert.equal((await same(['create', 'secret', 'tls', 't', `--cert=${cert}`, `--key=${otherKey}`, ...client])).err, 'error: tls: private key does not match public key\n');
      await same(['create', 'secret', 'tls', 't', `--cert=${cert}`, ...client]);
      await same(['create', 'secret', 'tls', 't', '--cert=missing.crt', `--key=${key}`, ...client]);
      await same(['create', 'secret', 'tls', 't', '--cert=one.txt', `--key=${key}`, ...client]);
      await same(['create', 'secret', 'tls', 't', `--cert=${cert}`, `--key=${cert}`, ...client]);
      await same(['create', 'secret', 'tls', 't', `--cert=${key}`, `--key=${key}`, ...client]);
      await same(['create', 'secret', 'tls', 't', '--cert=ec.crt', `--key=${key}`, ...client]);
      await same(['create', 'secret', 'tls', 't', '--cert=conf', `--key=${key}`, ...client]);
    });

    it('takes EC pairs too', async () => {
      assert.equal((await same(['create', 'secret', 'tls', 't', '--cert=ec.crt', '--key=ec.key', ...client, '-o', 'name'])).out, 'secret/t\n');
    });

    it('checks pairs with node:crypto as Go\'s tls.X509KeyPair does', () => {
      assert.throws(() => checkKeyPair(Buffer.from('junk'), Buffer.from('junk')), /failed to find any PEM data in certificate input/);
    });
  });

  describe('secret docker-registry', () => {
    it('writes the .dockerconfigjson kubectl writes (auth field, Go escaping, email only when given)', async () => {
      await same(['create', 'secret', 'docker-registry', 'r', '--docker-username=u', '--docker-password=p<&>', '--docker-email=e@x', ...client, '-o', 'json']);
      await same(['create', 'secret', 'docker-registry', 'r', '--docker-server=registry.example:5000', '--docker-username=robot', '--docker-password=s3cr3t', ...client, '-o', 'yaml']);
      await same(['create', 'secret', 'docker-registry', 'r', '--from-file=docker.json', ...client, '-o', 'yaml']);
      assert.equal(dockerConfigJSON('https://index.docker.io/v1/', 'u', 'p', ''), '{"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p","auth":"dTpw"}}}');
    });

    it('needs --from-file or a username and password', async () => {
      assert.equal((await same(['create', 'secret', 'docker-registry', 'r', '--docker-username=u', ...client])).code, 1);
    });
  });

  describe('serviceaccount, namespace, deployment', () => {
    it('prints the same objects as kubectl', async () => {
      await same(['create', 'serviceaccount', 'robot', ...client, '-o', 'yaml']);
      await same(['create', 'sa', 'robot', ...client, '-o', 'json']);
      await same(['-n', 'team-a', 'create', 'sa', 'robot', ...client, '-o', 'yaml']);
      assert.equal((await same(['create', 'sa', 'robot', ...client])).out, 'serviceaccount/robot created (dry run)\n');
      await same(['create', 'namespace', 'team-b', ...client, '-o', 'json']);
      await same(['create', 'sa', 'robot', '--save-config', ...client, '-o', 'json']);
      await same(['create', 'configmap', 'saved', '--from-literal=a=<b>', '--save-config', ...client, '-o', 'yaml']);
      await same(['create', 'deployment', 'web', '--image=nginx', '--save-config', ...client, '-o', 'yaml']);
      await same(['create', 'deployment', 'web', '--image=nginx:1.27', '--port=80', ...client, '-o', 'json']);
      assert.equal((await same(['create', 'deployment', 'web', '--image=nginx', ...client, '-o', 'name'])).out, 'deployment.apps/web\n');
    });

    it('needs exactly one name', async () => {
      const r = await kitectl(['create', 'serviceaccount', ...client]);
      assert.equal(r.code, 1);
      assert.equal(r.err, "error: exactly one NAME is required, got 0\nSee 'kitectl create serviceaccount -h' for help and examples\n");
    });
  });

  describe('token', () => {
    it('builds kubectl\'s TokenRequest: audiences, whole seconds, the bound object', () => {
      const r = buildTokenRequest({ audience: ['https://a', 'b'], duration: '1h30m', boundObjectKind: 'Pod', boundObjectName: 'p', boundObjectUid: 'u-1' });
      assert.deepEqual(r.spec, { audiences: ['https://a', 'b'], expirationSeconds: 5400, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u-1' } });
      assert.equal(r.kind, 'TokenRequest');
      assert.equal(r.apiVersion, 'authentication.k8s.io/v1');
      assert.deepEqual(buildTokenRequest({ duration: '0' }).spec, { audiences: [], expirationSeconds: undefined, boundObjectRef: undefined });
      assert.equal(buildTokenRequest({ boundObjectKind: 'Secret', boundObjectName: 's' }).spec?.boundObjectRef?.uid, '');
    });

    it('sends the request to CreateServiceAccountToken for the account in the namespace and prints only the token', async () => {
      const calls: { verb: string; request: any }[] = [];
      let out = '';
      const cli = new Cli({ namespace: 'apps' }, { out: (s) => (out += s), err: () => {}, readStdin: async () => '', signal: new AbortController().signal });
      const fake = {
        resource: () => ({
          call: async (verb: string, request: unknown) => {
            calls.push({ verb, request });
            return TokenRequest.fromPartial({ status: { token: 'header.payload.sig', expirationTimestamp: '2030-01-01T00:00:00Z' } });
          },
        }),
      };
      cli.clientset = async () => fake as unknown as Clientset;
      await createToken(cli, 'robot', { audience: ['api'], duration: '10m' });
      assert.equal(out, 'header.payload.sig', 'no newline when stdout is not a terminal');
      assert.equal(calls.length, 1);
      assert.equal(calls[0].verb, 'createToken');
      assert.equal(calls[0].request.namespace, 'apps');
      assert.equal(calls[0].request.name, 'robot');
      assert.deepEqual(calls[0].request.tokenRequest.spec, { audiences: ['api'], expirationSeconds: 600, boundObjectRef: undefined });
      out = '';
      await createToken(cli, 'robot', { output: 'yaml' });
      assert.match(out, /^apiVersion: authentication\.k8s\.io\/v1\nkind: TokenRequest\n/);
      assert.match(out, /token: header\.payload\.sig/);
    });

    for (const args of [
      ['--duration=-1s'],
      ['--duration=1500ms'],
      ['--audience='],
      ['--bound-object-kind=Deployment', '--bound-object-name=x'],
      ['--bound-object-kind=Pod'],
      ['--bound-object-name=x'],
      ['--bound-object-uid=x'],
    ]) {
      it(`refuses ${args.join(' ')} before calling the server, as kubectl does`, async () => {
        const mine = await kitectl(['create', 'token', 'robot', ...args]);
        assert.equal(mine.code, 1);
        if (withKubectl) assert.equal(mine.err, kubectl(['create', 'token', 'robot', ...args]).err);
      });
    }
  });

  it('splits --from-file and --from-env-file values as pflag string slices (CSV)', () => {
    assert.deepEqual(splitSliceFlag(['a,b', 'c', '"d,e",f']), ['a', 'b', 'c', 'd,e', 'f']);
  });
});
