// The PodSecurity admission plugin against a fake cluster: enforce refuses with Kubernetes'
// message, warn returns warnings, audit annotates, workloads only warn and audit, pod updates
// are evaluated only when images change, and namespaces' labels are validated (with warnings
// for existing pods when the enforce level tightens).
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import type { ApiError } from '../../../../../lib/api/errors';
import * as K from '../../../../../lib/api/kinds';
import type { KindInfo } from '../../../../../lib/api/kinds';
import { Deployment } from '../../../../../lib/gen/kite/apps/v1/types';
import { Namespace, Pod } from '../../../../../lib/gen/kite/core/v1/types';
import { admitPodSecurity, podSecurityConfiguration, policyFromLabels, type PodSecurityRequest, type PodSecuritySource } from '../../../../../services/apiserver/admission/pod-security';

const root = (name = 'x') =>
  Pod.fromPartial({
    metadata: { name, namespace: 'ns' },
    spec: { hostPID: true, volumes: [{ name: 'root', hostPath: { path: '/' } }], containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
  });
const plain = (name = 'web', image = 'nginx:1.22') => Pod.fromPartial({ metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'nginx', image }] } });

/** A Create or Update call of `kind` carrying `object`. */
const write = (kind: KindInfo<any>, verb: 'Create' | 'Update', namespace: string, object: unknown): PodSecurityRequest => ({
  kind,
  rpc: `${verb}${kind.kind}`,
  namespace,
  request: { [kind.requestField]: object },
});

function source(labels: Record<string, string> | undefined, stored: Record<string, any> = {}, pods: Pod[] = []): PodSecuritySource {
  return {
    namespaceLabels: async () => labels,
    current: async (kind, _ns, name) => stored[`${kind.kind}/${name}`],
    pods: () => pods,
  };
}

const RESTRICTED_NGINX =
  'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

const RESTRICTED_NGINX_WARNING = `would violate PodSecurity "restricted:latest": ${RESTRICTED_NGINX}`;

describe('apiserver admission: PodSecurity', () => {
  it('enforce=baseline refuses root on the node with Kubernetes\' message and records the policy', async () => {
    const d = await admitPodSecurity(write(K.Pods, 'Create', 'ns', root()), source({ 'pod-security.kubernetes.io/enforce': 'baseline' }));
    const err = d.refusal as ApiError;
    assert.equal(err.code, Status.PERMISSION_DENIED);
    assert.equal(
      err.message,
      'pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true), ' +
        'privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "root")',
    );
    assert.deepEqual(d.warnings, [], 'no warnings on a refused request');
    assert.equal(d.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  });

  it('an unlabelled namespace is privileged: everything is admitted', async () => {
    const d = await admitPodSecurity(write(K.Pods, 'Create', 'ns', root()), source({}));
    assert.equal(d.refusal, undefined);
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.auditAnnotations, { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' });
  });

  it('warn and audit levels give a warning and an audit annotation, with the label\'s version', async () => {
    const labels = {
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.29',
    };
    const d = await admitPodSecurity(write(K.Pods, 'Create', 'ns', plain()), source(labels));
    assert.equal(d.refusal, undefined);
    assert.deepEqual(d.warnings, [`would violate PodSecurity "restricted:latest": ${RESTRICTED_NGINX}`]);
    assert.equal(d.auditAnnotations['pod-security.kubernetes.io/audit-violations'], `would violate PodSecurity "restricted:v1.29": ${RESTRICTED_NGINX}`);
  });

  it('a pod without a name (generateName) is refused as Kubernetes words it', async () => {
    const pod = root('');
    pod.metadata!.generateName = 'x-';
    const d = await admitPodSecurity(write(K.Pods, 'Create', 'ns', pod), source({ 'pod-security.kubernetes.io/enforce': 'baseline' }));
    assert.match(d.refusal!.message, /^pods is forbidden: violates PodSecurity "baseline:latest": /);
  });

  it('an invalid label value enforces restricted and says so in the audit record', async () => {
    const d = await admitPodSecurity(write(K.Pods, 'Create', 'ns', plain()), source({ 'pod-security.kubernetes.io/enforce': 'strict' }));
    assert.match(d.refusal!.message, /^pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation/);
    assert.match(d.auditAnnotations['pod-security.kubernetes.io/error'], /Invalid value: "strict": must be one of privileged, baseline, restricted/);
  });

  it('a pod update is evaluated only when an image changes', async () => {
    const labels = { 'pod-security.kubernetes.io/enforce': 'restricted' };
    const stored = { 'Pod/web': plain() };
    const relabelled = plain();
    relabelled.metadata!.labels = { tier: 'web' };
    const same = await admitPodSecurity(write(K.Pods, 'Update', 'ns', relabelled), source(labels, stored));
    assert.equal(same.refusal, undefined, 'a pod admitted before the label can still be relabelled');
    const newImage = await admitPodSecurity(write(K.Pods, 'Update', 'ns', plain('web', 'nginx:1.23')), source(labels, stored));
    assert.match(newImage.refusal!.message, /violates PodSecurity "restricted:latest"/);
  });

  it('a workload\'s pod template is warned about and audited, never refused', async () => {
    const dep = Deployment.fromPartial({ metadata: { name: 'web', namespace: 'ns' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: root().spec } } });
    const labels = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/audit': 'baseline' };
    const d = await admitPodSecurity(write(K.Deployments, 'Create', 'ns', dep), source(labels));
    assert.equal(d.refusal, undefined);
    const expected = 'would violate PodSecurity "baseline:latest": host namespaces (hostPID=true), privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "root")';
    assert.deepEqual(d.warnings, [expected]);
    assert.equal(d.auditAnnotations['pod-security.kubernetes.io/audit-violations'], expected);
    assert.equal(d.auditAnnotations['pod-security.kubernetes.io/enforce-policy'], undefined);
  });

  it('refuses a namespace created or relabelled with invalid values', async () => {
    const bad = Namespace.fromPartial({ metadata: { name: 'ns', labels: { 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn-version': '1.29' } } });
    const d = await admitPodSecurity(write(K.Namespaces, 'Create', '', bad), source(undefined));
    assert.equal(d.refusal?.code, Status.INVALID_ARGUMENT);
    assert.equal(
      d.refusal?.message,
      'Namespace "ns" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, ' +
        'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.29": must be "latest" or "v1.x"]',
    );
    const stored = { 'Namespace/ns': Namespace.fromPartial({ metadata: { name: 'ns' } }) };
    const upd = await admitPodSecurity(write(K.Namespaces, 'Update', '', bad), source(undefined, stored));
    assert.equal(upd.refusal?.code, Status.INVALID_ARGUMENT);
    const good = Namespace.fromPartial({ metadata: { name: 'ns', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.30' } } });
    assert.equal((await admitPodSecurity(write(K.Namespaces, 'Create', '', good), source(undefined))).refusal, undefined);
  });

  it('tightening a namespace\'s enforce level warns about the pods that would violate it', async () => {
    const stored = { 'Namespace/ns': Namespace.fromPartial({ metadata: { name: 'ns' } }) };
    const pods = [root('b'), root('a'), root('c'), plain('web')];
    const next = Namespace.fromPartial({ metadata: { name: 'ns', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
    const d = await admitPodSecurity(write(K.Namespaces, 'Update', '', next), source(undefined, stored, pods));
    assert.equal(d.refusal, undefined);
    assert.deepEqual(d.warnings, [
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
      'a (and 2 other pods): host namespaces, privileged, hostPath volumes',
    ]);
    const relaxed = Namespace.fromPartial({ metadata: { name: 'ns', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
    assert.deepEqual((await admitPodSecurity(write(K.Namespaces, 'Update', '', relaxed), source(undefined, { 'Namespace/ns': next }, pods))).warnings, []);
  });

  it('admits a patch as the update it makes of the stored object', async () => {
    const stored = { 'Namespace/ns': Namespace.fromPartial({ metadata: { name: 'ns' } }), 'Pod/web': plain() };
    const patch = (kind: KindInfo<any>, name: string, p: unknown): PodSecurityRequest => ({
      kind,
      rpc: `Patch${kind.kind}`,
      namespace: kind.namespaced ? 'ns' : '',
      request: { name, patchType: 'application/merge-patch+json', patch: JSON.stringify(p), subresource: '' },
    });
    const label = await admitPodSecurity(patch(K.Namespaces, 'ns', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'strict' } } }), source(undefined, stored));
    assert.match(label.refusal!.message, /^Namespace "ns" is invalid: metadata.labels\[pod-security.kubernetes.io\/enforce\]: Invalid value: "strict"/);
    const labels = { 'pod-security.kubernetes.io/enforce': 'restricted' };
    const image = await admitPodSecurity(patch(K.Pods, 'web', { spec: { containers: [{ name: 'nginx', image: 'nginx:1.23' }] } }), source(labels, stored));
    assert.match(image.refusal!.message, /^pods "web" is forbidden: violates PodSecurity "restricted:latest"/);
    const status = { ...patch(K.Pods, 'web', { status: { phase: 'Running' } }), request: { name: 'web', patchType: 'application/merge-patch+json', patch: '{}', subresource: 'status' } };
    assert.equal((await admitPodSecurity(status, source(labels, stored))).refusal, undefined, 'status patches are not admitted here');
  });

  it('reads a namespace\'s policy from its labels', () => {
    const { policy, errors } = policyFromLabels({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.25', 'pod-security.kubernetes.io/warn': 'restricted' });
    assert.deepEqual(errors, []);
    assert.deepEqual(policy, {
      enforce: { level: 'baseline', version: 'v1.25' },
      audit: { level: 'privileged', version: 'latest' },
      warn: { level: 'restricted', version: 'latest' },
    });
  });

  it('takes the configured defaults for unlabelled namespaces and skips exempt namespaces and users', async () => {
    const configuration = podSecurityConfiguration({
      apiVersion: 'pod-security.admission.config.k8s.io/v1',
      kind: 'PodSecurityConfiguration',
      defaults: { enforce: 'baseline', warn: 'restricted', 'warn-version': 'v1.30' },
      exemptions: { usernames: ['system:serviceaccount:kube-system:installer'], namespaces: ['kube-system'] },
    });
    const withConfig = (labels: Record<string, string>, stored: Record<string, any> = {}) => ({ ...source(labels, stored), configuration });
    const refused = await admitPodSecurity(write(K.Pods, 'Create', 'ns', root()), withConfig({}));
    assert.match(refused.refusal!.message, /^pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces/);
    const warned = await admitPodSecurity(write(K.Pods, 'Create', 'ns', plain()), withConfig({ 'pod-security.kubernetes.io/enforce': 'privileged' }));
    assert.equal(warned.refusal, undefined);
    assert.deepEqual(warned.warnings, [`${RESTRICTED_NGINX_WARNING.replace('restricted:latest', 'restricted:v1.30')}`]);

    const byNamespace = await admitPodSecurity(write(K.Pods, 'Create', 'kube-system', root()), withConfig({}));
    assert.deepEqual(byNamespace, { warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/exempt': 'namespace' } });
    const byUser = await admitPodSecurity({ ...write(K.Pods, 'Create', 'ns', root()), user: 'system:serviceaccount:kube-system:installer' }, withConfig({}));
    assert.deepEqual(byUser, { warnings: [], auditAnnotations: { 'pod-security.kubernetes.io/exempt': 'user' } });

    const labelled = Namespace.fromPartial({ metadata: { name: 'kube-system', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    const ns = await admitPodSecurity(write(K.Namespaces, 'Update', '', labelled), withConfig({}, { 'Namespace/kube-system': Namespace.fromPartial({ metadata: { name: 'kube-system' } }) }));
    assert.deepEqual(ns.warnings, ['namespace "kube-system" is exempt from Pod Security, and the policy (restricted:latest) will be ignored']);
  });
});
