// Direct calls to a kubelet's endpoint, authorized as Kubernetes' kubelet does with
// --authorization-mode Webhook: a real TLS apiserver (Node,RBAC) and a real kubelet (on the
// FakeRuntime, no Docker) with a certificate from the cluster CA. Identities x {logs, exec} run
// as real calls straight at the kubelet; the expected table follows Kubernetes' rules (the
// apiserver's kubelet client is system:kubelet-api-admin, nodes get no nodes/proxy, RBAC can
// grant it), and the test counts cases and mismatches and wants 0 of the latter. Logs and exec
// through the apiserver keep working, and the SubjectAccessReview the kubelet sends is guarded.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError, type ApiError } from '../../../lib/api/errors';
import { ClusterRoleBindings, ClusterRoles } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import {
  AuthorizationServiceService,
  CreateSubjectAccessReviewRequest,
  type SubjectAccessReview,
  type SubjectAccessReviewSpec,
} from '../../../lib/gen/kite/authorization/v1/authorization';
import { ExecPodRequest, PodLogsRequest, type ExecPodResponse, type PodLogChunk } from '../../../lib/gen/kite/core/v1/services';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { ContainerLogsRequest, ExecRequest, type KubeletServiceClient, type LogChunk } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import { ClusterRole, ClusterRoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { issueClientCertificate, issueServerCertificate, type CertKeyPair } from '../../../lib/pki/certificates';
import { defaultKubeletConfig } from '../../../services/kubelet/config';
import { Kubelet } from '../../../services/kubelet/kubelet';
import { FakeRuntime } from '../../../services/kubelet/runtime/fake-runtime';
import { DEFAULT_PAUSE_IMAGE } from '../../../services/kubelet/runtime/docker-config';
import { kubeletClient } from '../../../lib/client/kubelet-client';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const G = 'rbac.authorization.k8s.io';
const IMAGE = 'busybox:1';

type Identity = 'apiserver-kubelet-client' | 'own-node' | 'other-node' | 'alice' | 'carol (nodes/proxy)' | 'dave (get nodes/proxy)' | 'admin';
type Action = 'logs' | 'exec';

/** Who may do what directly at the kubelet; everyone else gets PERMISSION_DENIED. */
const EXPECTED: Record<Action, Identity[]> = {
  logs: ['apiserver-kubelet-client', 'carol (nodes/proxy)', 'dave (get nodes/proxy)', 'admin'],
  exec: ['apiserver-kubelet-client', 'carol (nodes/proxy)', 'admin'],
};

function directLogs(c: KubeletServiceClient): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const call = c.containerLogs(ContainerLogsRequest.fromPartial({ namespace: 'default', podName: 'web', container: 'app' }));
    call.on('data', (chunk: LogChunk) => (out += chunk.content.toString()));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

function directExec(c: KubeletServiceClient): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const call = c.exec();
    call.on('data', (r: { stdout: Buffer }) => (out += r.stdout.toString()));
    call.on('error', reject);
    call.on('end', () => resolve(out));
    call.write(ExecRequest.fromPartial({ start: { namespace: 'default', podName: 'web', container: 'app', command: ['id'] } }));
    call.end();
  });
}

function subjectAccessReview(c: Clientset, spec: Partial<SubjectAccessReviewSpec>): Promise<SubjectAccessReview> {
  const def = AuthorizationServiceService.createSubjectAccessReview;
  const req = CreateSubjectAccessReviewRequest.fromPartial({ subjectAccessReview: { spec } });
  return new Promise((resolve, reject) =>
    c.grpc.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, req, new Metadata(), { deadline: Date.now() + 10_000 }, (err: ServiceError | null, res?: SubjectAccessReview) =>
      err ? reject(fromServiceError(err)) : resolve(res!),
    ),
  );
}

const nodesProxy = (verb: string, name: string) => ({ verb, resource: 'nodes', subresource: 'proxy', name, group: '', version: 'v1', namespace: '' });

describe('kubelet endpoint authorization (TLS apiserver Node,RBAC + kubelet with --authorization-mode Webhook)', function () {
  this.timeout(60_000);
  let api: SecureApiserver;
  let kubelet: Kubelet;
  let rootDir: string;
  let node: string;
  let other: string;
  const pairs = {} as Record<Identity, CertKeyPair>;

  before(async () => {
    api = await startSecureApiserver();
    node = uniqueName('kz-n1');
    other = uniqueName('kz-n2');
    const read = (f: { cert: string; key: string }) => ({ cert: readFileSync(f.cert, 'utf8'), key: readFileSync(f.key, 'utf8') });
    pairs['apiserver-kubelet-client'] = read(api.pki.apiserverKubeletClient);
    pairs.admin = read(api.pki.admin);
    pairs['own-node'] = await issueClientCertificate(api.ca, `system:node:${node}`, ['system:nodes']);
    pairs['other-node'] = await issueClientCertificate(api.ca, `system:node:${other}`, ['system:nodes']);
    pairs.alice = await issueClientCertificate(api.ca, 'alice');
    pairs['carol (nodes/proxy)'] = await issueClientCertificate(api.ca, 'carol');
    pairs['dave (get nodes/proxy)'] = await issueClientCertificate(api.ca, 'dave');

    const admin = await api.admin();
    const grant = async (user: string, verbs: string[]) => {
      await admin.resource(ClusterRoles).create(ClusterRole.fromPartial({ metadata: { name: `kubelet-${user}` }, rules: [{ verbs, apiGroups: [''], resources: ['nodes/proxy'] }] }));
      await admin.resource(ClusterRoleBindings).create(
        ClusterRoleBinding.fromPartial({ metadata: { name: `kubelet-${user}` }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: `kubelet-${user}` }, subjects: [{ kind: 'User', apiGroup: G, name: user }] }),
      );
    };
    await grant('carol', ['get', 'create']);
    await grant('dave', ['get']);

    const serving = await issueServerCertificate(api.ca, node, [node, '127.0.0.1']);
    rootDir = mkdtempSync(join(tmpdir(), `${node}-`));
    const runtime = new FakeRuntime([IMAGE, DEFAULT_PAUSE_IMAGE]);
    runtime.execHandler = (_c, command) => ({ exitCode: 0, stdout: `ran ${command.join(' ')}\n` });
    const config = defaultKubeletConfig({
      nodeName: node,
      nodeIP: '127.0.0.1',
      bindAddress: '127.0.0.1',
      port: 0,
      fallbackPodCIDR: '10.250.7.0/24',
      podCIDRWaitMs: 0,
      podNetworkName: `${node}-pods`,
      rootDir,
      relistPeriodMs: 100,
      tls: { cert: Buffer.from(serving.cert), key: Buffer.from(serving.key), clientCA: Buffer.from(api.ca.cert) },
      authorization: { mode: 'Webhook', authorizedMs: 300_000, unauthorizedMs: 30_000 },
    });
    kubelet = new Kubelet(config, { client: await api.client({ pair: pairs['own-node'] }), runtime });
    await kubelet.start();
    await admin.pods.create(Pod.fromPartial({ metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'app', image: IMAGE }] } }));
    const app = await waitFor('the pod\'s container running', () => [...runtime.containers.values()].find((c) => c.podName === 'web' && c.name === 'app' && c.state === 'running'), 20_000);
    runtime.logLines.set(app.id, [{ stream: 'stdout', line: 'hello from web' }]);
  });

  after(async () => {
    await kubelet?.stop();
    await api?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  const direct = (who: Identity) => kubeletClient(kubelet.serverAddress!, credentials.createSsl(Buffer.from(api.ca.cert), Buffer.from(pairs[who].key), Buffer.from(pairs[who].cert)), node);

  it('lets exactly the identities Kubernetes allows call logs and exec directly; the others get PERMISSION_DENIED in the kubelet\'s words', async () => {
    const userOf: Record<Identity, string> = {
      'apiserver-kubelet-client': 'kube-apiserver-kubelet-client',
      admin: 'kubernetes-admin',
      'own-node': `system:node:${node}`,
      'other-node': `system:node:${other}`,
      alice: 'alice',
      'carol (nodes/proxy)': 'carol',
      'dave (get nodes/proxy)': 'dave',
    };
    const mismatches: string[] = [];
    let cases = 0;
    for (const who of Object.keys(pairs) as Identity[]) {
      const c = direct(who);
      try {
        for (const action of ['logs', 'exec'] as Action[]) {
          cases++;
          const want = EXPECTED[action].includes(who);
          try {
            const out = action === 'logs' ? await directLogs(c) : await directExec(c);
            const expectedOut = action === 'logs' ? 'hello from web\n' : 'ran id\n';
            if (!want) mismatches.push(`${who} ${action}: allowed, want PERMISSION_DENIED`);
            else if (out !== expectedOut) mismatches.push(`${who} ${action}: output ${JSON.stringify(out)}`);
          } catch (err) {
            const e = err as ServiceError;
            const verb = action === 'logs' ? 'get' : 'create';
            const user = userOf[who];
            if (want) mismatches.push(`${who} ${action}: ${status[e.code]} ${e.details}, want allowed`);
            else if (e.code !== status.PERMISSION_DENIED || e.details !== `Forbidden (user=${user}, verb=${verb}, resource=nodes, subresource=proxy)`) {
              mismatches.push(`${who} ${action}: ${status[e.code]} ${e.details}`);
            }
          }
        }
      } finally {
        c.close();
      }
    }
    assert.equal(cases, 14);
    assert.deepEqual(mismatches, []);
  });

  it('still serves logs and exec through the apiserver (its kubelet-client identity), to those allowed pods/log and pods/exec', async () => {
    const admin = await api.admin();
    let logs = '';
    const logsRequest = PodLogsRequest.fromPartial({ namespace: 'default', podName: 'web', container: 'app' });
    for await (const chunk of admin.pods.serverStream<PodLogChunk>('logs', logsRequest)) logs += Buffer.from(chunk.content).toString();
    assert.equal(logs, 'hello from web\n');
    const call = admin.pods.duplex<ExecPodRequest, ExecPodResponse>('exec');
    const out = await new Promise<string>((resolve, reject) => {
      let s = '';
      call.on('data', (r: ExecPodResponse) => (s += Buffer.from(r.stdout).toString()));
      call.on('error', reject);
      call.on('end', () => resolve(s));
      call.write(ExecPodRequest.fromPartial({ start: { namespace: 'default', podName: 'web', container: 'app', command: ['echo', 'via', 'apiserver'] } }));
      call.end();
    });
    assert.equal(out, 'ran echo via apiserver\n');
    const alice = await api.client({ pair: pairs.alice });
    await assert.rejects(
      (async () => {
        for await (const _ of alice.pods.serverStream('logs', logsRequest)) void _;
      })(),
      (e: ApiError) => e.code === status.PERMISSION_DENIED,
    );
  });

  it('answers SubjectAccessReviews only to those who may create them (nodes may), for the user and groups named', async () => {
    const nodeClient = await api.client({ pair: pairs['own-node'] });
    const asNode = await subjectAccessReview(nodeClient, { user: 'kube-apiserver-kubelet-client', groups: ['system:authenticated'], resourceAttributes: nodesProxy('create', node) });
    assert.equal(asNode.status?.allowed, true);
    const otherNode = await subjectAccessReview(nodeClient, { user: `system:node:${other}`, groups: ['system:nodes', 'system:authenticated'], resourceAttributes: nodesProxy('create', node) });
    assert.equal(otherNode.status?.allowed, false);
    const alice = await api.client({ pair: pairs.alice });
    await assert.rejects(subjectAccessReview(alice, { user: 'alice', resourceAttributes: nodesProxy('get', node) }), (e: ApiError) => e.code === status.PERMISSION_DENIED);
    await assert.rejects(subjectAccessReview(nodeClient, { resourceAttributes: nodesProxy('get', node) }), (e: ApiError) => e.code === status.INVALID_ARGUMENT && /at least one of user or group/.test(e.message));
  });
});
