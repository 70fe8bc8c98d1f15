// `kitectl run --dry-run=client` and expose's Service generator, against the objects and messages
// kubectl 1.32 prints for the same arguments (kubectl run and expose need an apiserver even for
// client dry runs, for discovery: test/integration/kubectl/run-expose.test.ts compares the two
// side by side against one apiserver).
import { strict as assert } from 'node:assert';
import { run } from '../../../services/kitectl/main';
import { exposeParams } from '../../../services/kitectl/expose';
import { buildRunPod, type RunOptions } from '../../../services/kitectl/run';
import { buildService, checkExposable } from '../../../services/kitectl/expose-service';

interface Result {
  code: number;
  out: string;
  err: string;
}

describe('kitectl run --dry-run=client', function () {
  this.timeout(20_000);

  async function kitectl(args: string[]): Promise<Result> {
    let out = '';
    let err = '';
    const code = await run(args, { out: (s) => (out += s), err: (s) => (err += s), readStdin: async () => '', signal: new AbortController().signal });
    return { code, out, err };
  }
  const client = ['--dry-run=client'];

  it('makes the pod kubectl makes: run=NAME, a container named NAME, args after -- (command with --command)', async () => {
    assert.deepEqual(await kitectl(['run', 'foo', '--image=busybox', ...client, '-o', 'yaml', '--', 'a', 'b']), {
      code: 0,
      err: '',
      out: 'apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  labels:\n    run: foo\n  name: foo\nspec:\n  containers:\n  - args:\n    - a\n    - b\n    image: busybox\n    name: foo\n    resources: {}\n  dnsPolicy: ClusterFirst\n  restartPolicy: Always\nstatus: {}\n',
    });
    const command = await kitectl(['run', 'sh', '--image=busybox', '--command', ...client, '-o', 'json', '--', 'sh', '-c', 'echo hi']);
    assert.deepEqual(JSON.parse(command.out).spec.containers[0].command, ['sh', '-c', 'echo hi']);
  });

  it('sets ports, env, labels, annotations, restart and pull policies, privileged, and the namespace given with -n (Go field order)', async () => {
    const r = await kitectl(['-n', 'other', 'run', 'foo', '--image=busybox:1.36', '--annotations=a=b', '--annotations=c=d=e', '--privileged', '--image-pull-policy=IfNotPresent', '--env=X=1=2', '--env=EMPTY=', '--restart=OnFailure', '--port=8080', '--labels=x=y,z=', ...client, '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      r.out,
      JSON.stringify(
        {
          kind: 'Pod',
          apiVersion: 'v1',
          metadata: { name: 'foo', namespace: 'other', creationTimestamp: null, labels: { x: 'y', z: '' }, annotations: { a: 'b', c: 'd=e' } },
          spec: {
            containers: [
              { name: 'foo', image: 'busybox:1.36', ports: [{ containerPort: 8080 }], env: [{ name: 'X', value: '1=2' }, { name: 'EMPTY' }], resources: {}, imagePullPolicy: 'IfNotPresent', securityContext: { privileged: true } },
            ],
            restartPolicy: 'OnFailure',
            dnsPolicy: 'ClusterFirst',
          },
          status: {},
        },
        null,
        4,
      ) + '\n',
    );
    assert.equal((await kitectl(['run', 'plain', '--image=nginx', ...client])).out, 'pod/plain created (dry run)\n');
  });

  it('with --expose, prints the ClusterIP service (selector: --labels or run=NAME) before the pod, YAML documents separated as kubectl does', async () => {
    const r = await kitectl(['run', 'nginx', '--image=nginx', '--port=80', '--expose', ...client, '-o', 'yaml']);
    assert.equal(
      r.out,
      'apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  name: nginx\nspec:\n  ports:\n  - port: 80\n    protocol: TCP\n    targetPort: 80\n  selector:\n    run: nginx\nstatus:\n  loadBalancer: {}\n---\n---\n' +
        'apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: null\n  labels:\n    run: nginx\n  name: nginx\nspec:\n  containers:\n  - image: nginx\n    name: nginx\n    ports:\n    - containerPort: 80\n    resources: {}\n  dnsPolicy: ClusterFirst\n  restartPolicy: Always\nstatus: {}\n',
    );
    const labelled = JSON.parse((await kitectl(['run', 'nginx', '--image=nginx', '--port=80', '--expose', '--labels=a=b', ...client, '-o', 'json'])).out.split('\n}\n')[0] + '}');
    assert.deepEqual(labelled.metadata, { name: 'nginx', creationTimestamp: null, labels: { a: 'b' } });
    assert.deepEqual(labelled.spec, { ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }], selector: { a: 'b' } });
    assert.equal((await kitectl(['run', 'web', '--image=nginx', '--port=80', '--expose', ...client])).out, 'service/web created (dry run)\npod/web created (dry run)\n');
  });

  it("applies --overrides as a JSON merge patch, then the Pod type's encoding (unknown fields dropped, Go's field order)", async () => {
    const r = await kitectl(['run', 'o', '--image=nginx', ...client, '-o', 'json', '--overrides={"spec":{"nodeName":"n1","zzz":1,"containers":[{"name":"o","image":"y"}]}}']);
    assert.equal(
      r.out,
      JSON.stringify(
        { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'o', creationTimestamp: null, labels: { run: 'o' } }, spec: { containers: [{ name: 'o', image: 'y', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', nodeName: 'n1' }, status: {} },
        null,
        4,
      ) + '\n',
    );
  });

  it('sets stdin (stdinOnce unless --leave-stdin-open) and tty, with restart policy Always, as kubectl 1.32 creates them', () => {
    const container = (o: RunOptions) => (buildRunPod('a', [], { image: 'nginx', ...o }, undefined).spec as { containers: unknown[] }).containers[0];
    assert.deepEqual(container({ stdin: true }), { name: 'a', image: 'nginx', resources: {}, stdin: true, stdinOnce: true });
    assert.deepEqual(container({ stdin: true, tty: true, leaveStdinOpen: true }), { name: 'a', image: 'nginx', resources: {}, stdin: true, tty: true });
    assert.equal((buildRunPod('a', [], { image: 'nginx', stdin: true }, undefined).spec as { restartPolicy: string }).restartPolicy, 'Always');
  });

  it("refuses what kubectl refuses, with kubectl's messages", async () => {
    const see = "\nSee 'kitectl run -h' for help and examples";
    for (const [args, message] of [
      [['run', '--image=nginx'], `NAME is required for run${see}`],
      [['run', 'x'], 'required flag(s) "image" not set'],
      [['run', 'x', '--image=Nginx'], 'Invalid image name "Nginx": invalid reference format'],
      [['run', 'x', '--image=nginx@sha256:abc'], 'Invalid image name "nginx@sha256:abc": invalid reference format'],
      [['run', 'x', '--image=nginx', '-t'], `-i/--stdin is required for containers with -t/--tty=true${see}`],
      [['run', 'x', '--image=nginx', '--expose'], `--port must be set when exposing a service${see}`],
      [['run', 'x', '--image=nginx', '--restart=Bad'], `invalid restart policy: Bad${see}`],
      [['run', 'x', '--image=nginx', '--rm'], `--rm should only be used for attached containers${see}`],
      [['run', 'x', '--image=nginx', '-i'], `--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)${see}`],
      [['run', 'x', '--image=nginx', '--image-pull-policy=Bad'], `invalid image pull policy: Bad${see}`],
      [['run', 'x', '--image=nginx', '--env=1A=x'], 'invalid env: 1A=x'],
      [['run', 'x', '--image=nginx', '--env=A'], 'invalid env: A'],
      [['run', 'x', '--image=nginx', '--labels=a=b=c'], 'unexpected label spec: a=b=c'],
      [['run', 'x', '--image=nginx', '--labels==x'], 'unexpected empty label key'],
      [['run', 'x', '--image=nginx', '--annotations=bad'], 'invalid annotations format: bad'],
      [['run', 'x', '--image=nginx', '--port= 80'], 'strconv.Atoi: parsing " 80": invalid syntax'],
      [['run', 'x', '--image=nginx', '--overrides={bad'], 'Invalid JSON Patch'],
      [['run', 'x', '--image=nginx', '-o', 'wide'], 'unable to match a printer suitable for the output format "wide", allowed formats are: json,jsonpath,name,yaml'],
    ] as [string[], string][]) {
      assert.deepEqual(await kitectl([...args, ...client]), { code: 1, out: '', err: `error: ${message}\n` }, args.join(' '));
    }
  });
});

describe("kitectl expose's Service generator", () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', team: 'a' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'http', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }] },
            { name: 'dns', image: 'dns', ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }] },
          ],
        },
      },
    },
  };
  const pod = (labels?: Record<string, string>, ports: { containerPort: number; protocol?: string }[] = [{ containerPort: 8080, protocol: 'TCP' }]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...(labels ? { labels } : {}) },
    spec: { containers: [{ name: 'c', image: 'x', ports }] },
  });

  it("takes a workload's selector, labels and every container port once (port-N names, port-N-proto for a port with several protocols)", () => {
    assert.deepEqual(buildService(exposeParams(deployment, {}), undefined), {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web', team: 'a' } },
      spec: {
        ports: [
          { name: 'port-1', protocol: 'TCP', port: 80, targetPort: 80 },
          { name: 'port-2', protocol: 'TCP', port: 443, targetPort: 443 },
          { name: 'port-3-udp', protocol: 'UDP', port: 53, targetPort: 53 },
          { name: 'port-3-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
        ],
        selector: { app: 'web' },
      },
      status: { loadBalancer: {} },
    });
  });

  it("takes a pod's labels as selector and its one port unnamed; the flags override", () => {
    assert.deepEqual(buildService(exposeParams(pod({ app: 'p' }), {}), 'ns1'), {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'p', namespace: 'ns1', creationTimestamp: null, labels: { app: 'p' } },
      spec: { ports: [{ protocol: 'TCP', port: 8080, targetPort: 8080 }], selector: { app: 'p' } },
      status: { loadBalancer: {} },
    });
    const flags = { port: '80', targetPort: 'http', name: 'front', type: 'LoadBalancer', protocol: 'UDP', selector: 'x=y', labels: 'l=1', externalIp: '192.0.2.1', loadBalancerIp: '192.0.2.2', sessionAffinity: 'ClientIP', clusterIp: '10.0.0.9' };
    assert.deepEqual(buildService(exposeParams(pod({ app: 'p' }), flags), undefined).spec, {
      ports: [{ protocol: 'UDP', port: 80, targetPort: 'http' }],
      selector: { x: 'y' },
      clusterIP: '10.0.0.9',
      type: 'LoadBalancer',
      externalIPs: ['192.0.2.1'],
      sessionAffinity: 'ClientIP',
      loadBalancerIP: '192.0.2.2',
    });
  });

  it('makes a headless service without ports, and refuses what kubectl refuses', () => {
    assert.deepEqual(buildService(exposeParams(pod({ app: 'p' }, []), { clusterIp: 'None' }), undefined).spec, { selector: { app: 'p' }, clusterIP: 'None' });
    assert.throws(() => exposeParams(pod({ app: 'p' }, []), {}), { message: "couldn't find port via --port flag or introspection" });
    assert.throws(() => exposeParams(pod(), {}), { message: "couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed" });
    const expressions = { ...deployment, spec: { ...deployment.spec, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } } };
    assert.throws(() => exposeParams(expressions, {}), {
      message: "couldn't retrieve selectors via --selector flag or introspection: couldn't convert expressions - [{Key:tier Operator:In Values:[a b]}] to map-based selector format",
    });
    assert.throws(() => exposeParams({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }, {}), {
      message: "couldn't retrieve selectors via --selector flag or introspection: the service has no pod selector set",
    });
    assert.throws(() => buildService(exposeParams(pod({ app: 'p' }), { sessionAffinity: 'Sticky' }), undefined), { message: 'unknown session affinity: Sticky' });
    assert.throws(() => buildService(exposeParams(pod({ app: 'p' }), { port: 'http' }), undefined), { message: 'strconv.Atoi: parsing "http": invalid syntax' });
    assert.throws(() => checkExposable('DaemonSet', 'apps'), { message: 'cannot expose a DaemonSet.apps' });
    assert.throws(() => checkExposable('ConfigMap', ''), { message: 'cannot expose a ConfigMap' });
  });
});
