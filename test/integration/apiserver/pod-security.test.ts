// PodSecurity admission through the real gRPC API and kitectl: a namespace labelled
// enforce=baseline refuses root on the node with Kubernetes' message and stores nothing;
// enforce=restricted admits a compliant pod; warn=restricted answers with warnings that the
// client hands to its warning handler and kitectl prints as "Warning: ..."; audit=restricted
// annotates the audit record; invalid labels are refused on the namespace.
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import type { ApiError } from '../../../lib/api/errors';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { AuditEvent } from '../../../services/apiserver/auth/audit/audit-log';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';
import { kitectl } from '../kitectl/run-kitectl';

const suffix = Math.random().toString(36).slice(2, 8);
const ns = (name: string) => `psa-${name}-${suffix}`;

const rootPod = (namespace: string) =>
  Pod.fromPartial({
    metadata: { name: 'x', namespace },
    spec: {
      hostPID: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
    },
  });

const ROOT_MESSAGE =
  'violates PodSecurity "baseline:latest": host namespaces (hostPID=true), ' +
  'privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "root")';

const RESTRICTED_NGINX =
  'would violate PodSecurity "restricted:latest": ' +
  'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

const nginxYaml = (name: string, namespace: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  containers:\n  - name: nginx\n    image: nginx:1.22\n`;

describe('apiserver: PodSecurity admission over gRPC', function () {
  this.timeout(30_000);
  let api: TestApiserver;
  let cs: Clientset;
  let auditLogPath: string;

  const label = async (name: string, labels: Record<string, string>) => {
    await cs.namespaces.create(Namespace.fromPartial({ metadata: { name, labels } }));
  };

  before(async () => {
    auditLogPath = join(tmpdir(), `psa-audit-${suffix}.log`);
    api = await startTestApiserver({ auditLogPath });
    cs = api.client();
  });
  after(async () => {
    await api?.stop();
    rmSync(auditLogPath, { force: true });
  });

  it('enforce=baseline refuses privileged + hostPID + hostPath / with Kubernetes\' message and stores nothing', async () => {
    const name = ns('baseline');
    await label(name, { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const err = (await cs.pods.create(rootPod(name)).then(
      () => assert.fail('the pod was admitted'),
      (e: unknown) => e,
    )) as ApiError;
    assert.equal(err.code, Status.PERMISSION_DENIED);
    assert.equal(err.message, `pods "x" is forbidden: ${ROOT_MESSAGE}`);
    assert.deepEqual((await cs.pods.list({ namespace: name })).items, []);

    const cli = await kitectl(['--server', api.address, 'create', '-f', '-'], { stdin: nginxYaml('y', name).replace('image: nginx:1.22', 'image: nginx:1.22\n    securityContext:\n      privileged: true') });
    assert.equal(cli.code, 1);
    assert.equal(
      cli.err,
      `Error from server (Forbidden): error when creating "STDIN": pods "y" is forbidden: violates PodSecurity "baseline:latest": privileged (container "nginx" must not set securityContext.privileged=true)\n`,
    );
  });

  it('enforce=restricted admits a compliant pod, and an unlabelled namespace admits anything', async () => {
    const name = ns('restricted');
    await label(name, { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.30' });
    const pod = Pod.fromPartial({
      metadata: { name: 'ok', namespace: name },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'nginx', image: 'nginx:1.22', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
      },
    });
    const created = await cs.pods.create(pod);
    assert.deepEqual(created.spec?.securityContext?.seccompProfile, { type: 'RuntimeDefault', localhostProfile: undefined });
    const refused = await cs.pods.create(Pod.fromPartial({ metadata: { name: 'plain', namespace: name }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.22' }] } })).catch((e: ApiError) => e);
    assert.match((refused as ApiError).message, /^pods "plain" is forbidden: violates PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false/);

    const open = ns('open');
    await label(open, {});
    await cs.pods.create(rootPod(open));
  });

  it('warn=restricted answers with warnings: the client\'s handler gets them and kitectl prints them', async () => {
    const name = ns('warn');
    await label(name, { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' });
    const warnings: string[] = [];
    const warned = new Clientset({ address: api.address, tls: false, namespace: name, source: 'test' }, { retry: NO_RETRY, timeoutMs: 10_000, warningHandler: (w) => warnings.push(w) });
    try {
      await warned.pods.create(Pod.fromPartial({ metadata: { name: 'web', namespace: name }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.22' }] } }));
    } finally {
      warned.close();
    }
    assert.deepEqual(warnings, [RESTRICTED_NGINX]);
    assert.ok(await cs.pods.get('web', name), 'warn does not refuse');

    const cli = await kitectl(['--server', api.address, 'apply', '-f', '-'], { stdin: nginxYaml('cli', name) });
    assert.equal(cli.code, 0, cli.err);
    assert.equal(cli.out, 'pod/cli created\n');
    assert.equal(cli.err, `Warning: ${RESTRICTED_NGINX}\n`);

    const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ${name}\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.22\n`;
    const dep = await kitectl(['--server', api.address, 'create', '-f', '-'], { stdin: deployment });
    assert.equal(dep.code, 0, dep.err);
    assert.equal(dep.err, `Warning: ${RESTRICTED_NGINX}\n`, 'a workload\'s pod template is warned about');

    // Warning text quotes what the user wrote: non-ASCII and control characters travel intact.
    const hostile = 'CAFÉ_\u0007,"x"';
    const odd: string[] = [];
    const oddClient = new Clientset({ address: api.address, tls: false, namespace: name, source: 'test' }, { retry: NO_RETRY, timeoutMs: 10_000, warningHandler: (w) => odd.push(w) });
    try {
      const spec = { containers: [{ name: 'nginx', image: 'nginx:1.22', securityContext: { capabilities: { add: [hostile] } } }] };
      await oddClient.pods.create(Pod.fromPartial({ metadata: { name: 'odd', namespace: name }, spec }));
    } finally {
      oddClient.close();
    }
    assert.equal(odd.length, 1);
    assert.ok(odd[0].includes(`must not include "${hostile}" in securityContext.capabilities.add`), odd[0]);

    const read = () => readFileSync(auditLogPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
    const audited = () => read().find((e) => e.verb === 'create' && e.namespace === name && e.name === 'web' && e.resource === 'pods');
    await waitFor('the audit record of the create', () => !!audited(), 5000);
    assert.deepEqual(audited()!.annotations, {
      'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
      'pod-security.kubernetes.io/audit-violations': RESTRICTED_NGINX,
    });
  });

  it('refuses invalid pod-security labels on a namespace, and warns when tightening finds violating pods', async () => {
    const err = (await label(ns('bad'), { 'pod-security.kubernetes.io/enforce': 'strict' }).catch((e: unknown) => e)) as ApiError;
    assert.equal(err.code, Status.INVALID_ARGUMENT);
    assert.match(err.message, /^Namespace "psa-bad-\w+" is invalid: metadata.labels\[pod-security.kubernetes.io\/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted$/);

    const name = ns('tighten');
    await label(name, {});
    await cs.pods.create(rootPod(name));
    const cli = await kitectl(['--server', api.address, 'label', 'namespace', name, 'pod-security.kubernetes.io/enforce=baseline']);
    assert.equal(cli.code, 0, cli.err);
    assert.equal(
      cli.err,
      `Warning: existing pods in namespace "${name}" violate the new PodSecurity enforce level "baseline:latest"\nWarning: x: host namespaces, privileged, hostPath volumes\n`,
    );
  });
});

describe('apiserver: PodSecurity defaults and exemptions from --admission-control-config-file', function () {
  this.timeout(30_000);
  let api: TestApiserver;
  let configFile: string;

  before(async () => {
    configFile = join(tmpdir(), `psa-admission-${suffix}.yaml`);
    writeFileSync(
      configFile,
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n' +
        '    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n' +
        '    defaults:\n      enforce: baseline\n    exemptions:\n      namespaces: [kube-system]\n',
    );
    api = await startTestApiserver({ admissionControlConfigFile: configFile });
  });
  after(async () => {
    await api?.stop();
    rmSync(configFile, { force: true });
  });

  it('enforces the default level in unlabelled namespaces, not in exempt ones', async () => {
    const cs = api.client();
    const err = (await cs.pods.create(rootPod('default')).catch((e: unknown) => e)) as ApiError;
    assert.equal(err.message, `pods "x" is forbidden: ${ROOT_MESSAGE}`);
    await cs.pods.create(rootPod('kube-system'));
  });
});
