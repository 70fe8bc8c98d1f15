// The real kubectl and kitectl side by side on `run` and `expose` against one apiserver (kubectl
// over the HTTPS front door, kitectl over gRPC): the same arguments print the same text (client
// and server dry runs, the "created"/"exposed" lines, the errors) and create the same objects.
import { strict as assert } from 'node:assert';
import { installedKubectl, sameAsKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

type Json = Record<string, any>;

describe('kubectl and kitectl run and expose (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  /** Runs both with the same arguments; the outputs must be equal (kubectl's name for itself read as kitectl's). */
  const same = (args: string[]) => sameAsKubectl(h, args, (err) => err.replace(/kubectl/g, 'kitectl'));

  /** The parts of an object the tools choose (not the server's: uid, times, allocated IPs, status). */
  function chosen(obj: Json): Json {
    const { name: _n, uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, ...meta } = obj.metadata;
    const spec = { ...obj.spec };
    for (const k of ['clusterIP', 'clusterIPs', 'nodeName']) delete spec[k];
    return { kind: obj.kind, metadata: meta, spec };
  }
  const getJSON = async (kind: string, name: string): Promise<Json> => JSON.parse(await h.ok(['get', kind, name, '-o', 'json']));

  it('run --dry-run=client and server print what kubectl prints', async () => {
    const client = '--dry-run=client';
    for (const args of [
      ['run', 'web', '--image=nginx:1.27', client, '-o', 'json'],
      ['run', 'sleeper', '--image=busybox', client, '-o', 'yaml', '--', 'sleep', '3600'],
      ['run', 'sh', '--image=busybox', '--command', client, '-o', 'json', '--', 'sh', '-c', 'echo <hi> & bye'],
      ['-n', 'team-a', 'run', 'all', '--image=registry.local:5000/team/app:v1.2', '--port=8080', '--env=A=1', '--env=B=x=y', '--env=c.d-e=', '--labels=tier=web,app=', '--annotations=z=1', '--annotations=a=b=c', '--restart=OnFailure', '--image-pull-policy=IfNotPresent', '--privileged', client, '-o', 'json'],
      ['run', 'zero', '--image=nginx', '--port=0', '--restart=Never', client, '-o', 'yaml'],
      ['run', 'plain', '--image=nginx', client],
      ['run', 'named', '--image=nginx', client, '-o', 'name'],
      ['run', 'exp', '--image=nginx', '--port=80', '--expose', client, '-o', 'yaml'],
      ['run', 'exp', '--image=nginx', '--port=80', '--expose', '--labels=app=web,tier=front', client, '-o', 'json'],
      ['run', 'exp', '--image=nginx', '--port=80', '--expose', client],
      ['run', 'o', '--image=nginx', client, '-o', 'json', '--overrides={"spec":{"dnsPolicy":"Default","containers":[{"name":"o","image":"busybox"}]}}'],
      ['run', 'srv', '--image=nginx', '--port=80', '--expose', '--dry-run=server'],
    ]) {
      await same(args);
    }
  });

  it("run refuses what kubectl refuses, with kubectl's messages", async () => {
    for (const args of [
      ['run', '--image=nginx'],
      ['run', 'x', '--image=Nginx'],
      ['run', 'x', '--image=nginx', '-t'],
      ['run', 'x', '--image=nginx', '--expose'],
      ['run', 'x', '--image=nginx', '--restart=Sometimes'],
      ['run', 'x', '--image=nginx', '--rm'],
      ['run', 'x', '--image=nginx', '-i', '--dry-run=client'],
      ['run', 'x', '--image=nginx', '--image-pull-policy=Maybe'],
      ['run', 'x', '--image=nginx', '--env=1A=x'],
      ['run', 'x', '--image=nginx', '--labels=a=b=c'],
      ['run', 'x', '--image=nginx', '--annotations=bad'],
      ['run', 'x', '--image=nginx', '--port=http'],
      ['run', 'x', '--image=nginx', '--dry-run=maybe'],
    ]) {
      assert.equal((await same(args)).code, 1, args.join(' '));
    }
  });

  it('run --expose creates the same pod and service as kubectl, printing the same lines', async () => {
    const theirs = await h.ok(['run', 'k-web', '--image=nginx', '--port=80', '--expose', '--labels=app=k-web', '--env=MODE=prod', '--', '--debug']);
    const mine = await h.kitectl(['run', 'c-web', '--image=nginx', '--port=80', '--expose', '--labels=app=c-web', '--env=MODE=prod', '--', '--debug']);
    assert.equal(mine.code, 0, mine.err);
    assert.equal(mine.out, theirs.replace(/k-web/g, 'c-web'));
    assert.equal(mine.out, 'service/c-web created\npod/c-web created\n');
    for (const kind of ['pod', 'service']) {
      const a = chosen(await getJSON(kind, 'k-web'));
      const b = chosen(await getJSON(kind, 'c-web'));
      assert.deepEqual(JSON.parse(JSON.stringify(b).replace(/c-web/g, 'k-web')), a, kind);
    }
  });

  it('expose prints and creates the service kubectl makes for a deployment, a pod, a service', async () => {
    await h.ok(['create', 'deployment', 'web', '--image=nginx', '--port=80']);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'multi', labels: { app: 'multi', tier: 'back' } },
      spec: {
        containers: [
          { name: 'http', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 443, name: 'https' }] },
          { name: 'dns', image: 'dns', ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }] },
        ],
      },
    };
    await h.ok(['create', '-f', '-'], { stdin: JSON.stringify(pod) });
    await h.ok(['create', '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }) });
    await h.ok(['create', 'configmap', 'cfg', '--from-literal=a=b']);
    const client = '--dry-run=client';
    for (const args of [
      ['expose', 'deployment', 'web', client, '-o', 'json'],
      ['expose', 'deployment/web', '--port=8080', '--target-port=80', '--name=front', '--type=NodePort', client, '-o', 'yaml'],
      ['expose', 'deploy', 'web', '--port=80', '--protocol=UDP', '--selector=app=web,x=y', '--labels=l=1', '--external-ip=192.0.2.1', '--session-affinity=ClientIP', client, '-o', 'json'],
      ['expose', 'deployment', 'web', '--type=LoadBalancer', '--load-balancer-ip=192.0.2.9', client, '-o', 'json'],
      ['expose', 'pod', 'multi', client, '-o', 'json'],
      ['expose', 'pod', 'multi', '--port=9000', '--target-port=https', client, '-o', 'json'],
      ['expose', 'pod', 'bare', '--selector=app=bare', '--cluster-ip=None', client, '-o', 'json'],
      ['-n', h.namespace, 'expose', 'deployment', 'web', '--name=nsd', client, '-o', 'json'],
      ['expose', 'deployment', 'web', '--name=plain', client],
      ['expose', 'deployment', 'web', '--name=named', client, '-o', 'name'],
      ['expose', 'deployment', 'web', '--name=server', '--dry-run=server'],
      ['expose', 'deployment', 'web', '--overrides={"spec":{"type":"NodePort"}}', client, '-o', 'json'],
    ]) {
      await same(args);
    }
    // Errors: no labels to select by, no port, an unknown affinity.
    for (const args of [
      ['expose', 'pod', 'bare', '--port=80'],
      ['expose', 'pod', 'bare', '--selector=app=bare'],
      ['expose', 'deployment', 'web', '--session-affinity=Sticky'],
      ['expose', 'configmap', 'cfg', '--port=80'],
    ]) {
      assert.equal((await same(args)).code, 1, args.join(' '));
    }

    // Created for real: the same lines, the same services (but for the allocated IPs).
    for (const [tool, prefix] of [['kubectl', 'kx'], ['kitectl', 'cx']] as const) {
      for (const args of [
        ['expose', 'deployment', 'web', `--name=${prefix}-web`, '--port=8080', '--target-port=80'],
        ['expose', 'pod', 'multi', `--name=${prefix}-multi`, '--type=NodePort'],
        ['expose', 'service', `${prefix}-web`, `--name=${prefix}-again`, '--port=9090'],
        ['expose', 'deployment', 'web', `--name=${prefix}-headless`, '--cluster-ip=None'],
      ]) {
        const r = tool === 'kubectl' ? await h.kubectl(args) : await h.kitectl(args);
        assert.equal(r.code, 0, `${tool} ${args.join(' ')}: ${r.err}`);
        assert.equal(r.out, `service/${args[3].slice('--name='.length)} exposed\n`);
      }
    }
    for (const name of ['web', 'multi', 'again', 'headless']) {
      const a = chosen(await getJSON('service', `kx-${name}`));
      const b = chosen(await getJSON('service', `cx-${name}`));
      // A NodePort Service's node ports are allocated: compare their presence, not their numbers.
      for (const s of [a, b]) for (const p of s.spec.ports ?? []) if (p.nodePort) p.nodePort = 'allocated';
      assert.deepEqual(b, a, name);
    }
  });
});
