import { strict as assert } from 'node:assert';
import { Leases } from '../../../../lib/api/kinds';
import { Deployment, ReplicaSet } from '../../../../lib/gen/kite/apps/v1/types';
import { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import { ClusterRole, RoleBinding } from '../../../../lib/gen/kite/rbac/v1/types';
import { EndpointSlice } from '../../../../lib/gen/kite/discovery/v1/types';
import { Event, LimitRange, Namespace, Node, Pod, ResourceQuota, Service } from '../../../../lib/gen/kite/core/v1/types';
import { describeGeneric, describeNamespace, titleCase } from '../../../../services/kitectl/describers/generic';
import { describeNode } from '../../../../services/kitectl/describers/node';
import { describePod } from '../../../../services/kitectl/describers/pod';
import { describeLimitRange, describeResourceQuota } from '../../../../services/kitectl/describers/policy';
import { describeRole, describeRoleBinding } from '../../../../services/kitectl/describers/rbac';
import { describeService } from '../../../../services/kitectl/describers/service';
import { describeDeployment } from '../../../../services/kitectl/describers/workloads';

const now = Date.parse('2024-01-01T00:10:00Z');
const lines = (s: string) => s.split('\n');
const hasLine = (out: string, re: RegExp) => assert.ok(lines(out).some((l) => re.test(l)), `no line matching ${re} in:\n${out}`);

const event = (reason: string, message: string, count = 1) =>
  Event.fromPartial({
    type: 'Normal',
    reason,
    message,
    count,
    source: { component: 'default-scheduler' },
    firstTimestamp: '2024-01-01T00:05:00Z',
    lastTimestamp: '2024-01-01T00:09:00Z',
  });

describe('describe', () => {
  it('describes a pod: node, labels, IP, containers with state and probes, conditions, events', () => {
    const pod = Pod.fromPartial({
      metadata: { name: 'nginx-1', namespace: 'default', labels: { app: 'nginx', 'pod-template-hash': 'abc' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'nginx-abc', controller: true, uid: 'u', apiVersion: 'apps/v1' }] },
      spec: {
        nodeName: 'node-1',
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.22',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { requests: { cpu: '50m', memory: '32Mi' } },
            readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 10 },
          },
        ],
      },
      status: {
        phase: 'Running',
        hostIP: '172.18.0.3',
        podIP: '10.244.1.2',
        podIPs: [{ ip: '10.244.1.2' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'nginx', ready: true, restartCount: 2, image: 'nginx:1.22', state: { running: { startedAt: '2024-01-01T00:06:00Z' } } }],
      },
    });
    const out = describePod(pod, [event('Scheduled', 'Successfully assigned default/nginx-1 to node-1'), event('Pulled', 'Container image present', 3)], now);
    hasLine(out, /^Name: +nginx-1$/);
    hasLine(out, /^Node: +node-1\/172\.18\.0\.3$/);
    hasLine(out, /^Labels: +app=nginx$/);
    hasLine(out, /^ +pod-template-hash=abc$/);
    hasLine(out, /^Status: +Running$/);
    hasLine(out, /^IP: +10\.244\.1\.2$/);
    // As kubectl: the ServiceAccount line only when the spec names one, IPs from status.podIPs only.
    assert.ok(!lines(out).some((l) => l.startsWith('Service Account:')), out);
    hasLine(out, /^ {2}IP: +10\.244\.1\.2$/);
    const named = structuredClone(pod);
    named.spec!.serviceAccountName = 'reader';
    named.status!.podIPs = [];
    const namedOut = describePod(named, [], now);
    hasLine(namedOut, /^Service Account: +reader$/);
    hasLine(namedOut, /^IPs: +<none>$/);
    assert.ok(!lines(out).some((l) => l.startsWith('NominatedNodeName:')), out);
    named.status!.nominatedNodeName = 'node-2';
    hasLine(describePod(named, [], now), /^NominatedNodeName: +node-2$/);
    hasLine(out, /^Controlled By: +ReplicaSet\/nginx-abc$/);
    hasLine(out, /^Containers:$/);
    hasLine(out, /^ {2}nginx:$/);
    hasLine(out, /^ {4}Image: +nginx:1\.22$/);
    hasLine(out, /^ {4}Port: +80\/TCP$/);
    hasLine(out, /^ {4}State: +Running$/);
    hasLine(out, /^ {4}Ready: +True$/);
    hasLine(out, /^ {4}Restart Count: +2$/);
    hasLine(out, /^ {6}cpu: +50m$/);
    hasLine(out, /^ {4}Readiness: +http-get http:\/\/:80\/ delay=0s timeout=1s period=10s #success=1 #failure=3$/);
    hasLine(out, /^ {2}Ready +True $/);
    hasLine(out, /^ {2}Type +Reason +Age +From +Message$/);
    hasLine(out, /^ {2}Normal +Scheduled +5m +default-scheduler +Successfully assigned default\/nginx-1 to node-1$/);
    hasLine(out, /^ {2}Normal +Pulled +60s \(x3 over 5m\) +default-scheduler +Container image present$/);
    // One tab-writer block: the Events columns line up.
    const header = lines(out).find((l) => l.includes('Reason'))!;
    const row = lines(out).find((l) => l.includes('Scheduled'))!;
    assert.equal(header.indexOf('Message'), row.indexOf('Successfully'));
  });

  it("prints configMap, secret, downwardAPI and projected volumes as kubectl does", () => {
    const pod = Pod.fromPartial({
      metadata: { name: 'v', namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'busybox' }],
        volumes: [
          { name: 'cfg', configMap: { name: 'game-config' } },
          { name: 'creds', secret: { secretName: 'test-secret', optional: true } },
          { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          {
            name: 'kube-api-access-x1y2z',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
                { secret: { name: 'extra', optional: false } },
              ],
            },
          },
        ],
      },
    });
    const out = describePod(pod, [], now);
    hasLine(out, /^ {4}Type: +ConfigMap \(a volume populated by a ConfigMap\)$/);
    hasLine(out, /^ {4}Name: +game-config$/);
    hasLine(out, /^ {4}Optional: +false$/);
    hasLine(out, /^ {4}Type: +Secret \(a volume populated by a Secret\)$/);
    hasLine(out, /^ {4}SecretName: +test-secret$/);
    hasLine(out, /^ {4}Optional: +true$/);
    hasLine(out, /^ {4}Type: +DownwardAPI \(a volume populated by information about the pod\)$/);
    hasLine(out, /^ {6}metadata\.labels -> labels$/);
    hasLine(out, /^ {4}Type: +Projected \(a volume that contains injected data from multiple sources\)$/);
    hasLine(out, /^ {4}TokenExpirationSeconds: +3607$/);
    hasLine(out, /^ {4}ConfigMapName: +kube-root-ca\.crt$/);
    hasLine(out, /^ {4}ConfigMapOptional: +<nil>$/);
    hasLine(out, /^ {4}DownwardAPI: +true$/);
    hasLine(out, /^ {4}SecretName: +extra$/);
    hasLine(out, /^ {4}SecretOptionalName: +false$/);
  });

  it('says <none> for missing events and terminating pods say so', () => {
    const pod = Pod.fromPartial({ metadata: { name: 'p', namespace: 'd', deletionTimestamp: '2024-01-01T00:09:00Z' }, spec: { containers: [] }, status: { phase: 'Running' } });
    const out = describePod(pod, [], now);
    hasLine(out, /^Status: +Terminating \(lasts 60s\)$/);
    hasLine(out, /^Events: +<none>$/);
  });

  it('describes a node: taints, conditions, addresses, pods with request shares', () => {
    const node = Node.fromPartial({
      metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
      spec: { unschedulable: true, podCIDR: '10.244.1.0/24', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
      status: {
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
        addresses: [{ type: 'InternalIP', address: '172.18.0.3' }],
      },
    });
    const pod = (name: string) =>
      Pod.fromPartial({
        metadata: { name, namespace: 'default', creationTimestamp: '2024-01-01T00:05:00Z' },
        spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } } }] },
        status: { phase: 'Running' },
      });
    const lease = Lease.fromPartial({ spec: { holderIdentity: 'node-1', renewTime: '2024-01-01T00:09:50Z' } });
    const out = describeNode(node, [pod('a'), pod('b')], lease, [], now);
    hasLine(out, /^Taints: +node\.kubernetes\.io\/unreachable:NoExecute$/);
    hasLine(out, /^Unschedulable: +true$/);
    hasLine(out, /^ {2}HolderIdentity: +node-1$/);
    hasLine(out, /^ {2}Ready +True +.* +KubeletReady +kubelet is posting ready status$/);
    hasLine(out, /^ {2}InternalIP: +172\.18\.0\.3$/);
    hasLine(out, /^PodCIDR: +10\.244\.1\.0\/24$/);
    hasLine(out, /^Non-terminated Pods: +\(2 in total\)$/);
    hasLine(out, /^ {2}default +a +500m \(25%\) +0 \(0%\) +512Mi \(12%\) +1Gi \(25%\) +5m$/);
    hasLine(out, /^ {2}cpu +1 \(50%\) +0 \(0%\)$/);
    hasLine(out, /^ {2}memory +1Gi \(25%\) +2Gi \(50%\)$/);
  });

  it('describes a deployment: replicas line, strategy, template, conditions, replica sets', () => {
    const d = Deployment.fromPartial({
      metadata: { name: 'nginx', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.22' }] } } },
      status: { replicas: 3, updatedReplicas: 3, availableReplicas: 2, unavailableReplicas: 1, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] },
    });
    const rs = (name: string, replicas: number) => ReplicaSet.fromPartial({ metadata: { name }, spec: { replicas }, status: { replicas } });
    const out = describeDeployment(d, rs('nginx-new', 3), [rs('nginx-old', 1)], [], now);
    hasLine(out, /^Replicas: +3 desired \| 3 updated \| 3 total \| 2 available \| 1 unavailable$/);
    hasLine(out, /^StrategyType: +RollingUpdate$/);
    hasLine(out, /^RollingUpdateStrategy: +25% max unavailable, 25% max surge$/);
    hasLine(out, /^Pod Template:$/);
    hasLine(out, /^ {2}Containers:$/);
    hasLine(out, /^ {3}nginx:$/);
    hasLine(out, /^ {4}Image: +nginx:1\.22$/);
    hasLine(out, /^ {2}Available +True +MinimumReplicasAvailable$/);
    hasLine(out, /^OldReplicaSets: +nginx-old \(1\/1 replicas created\)$/);
    hasLine(out, /^NewReplicaSet: +nginx-new \(3\/3 replicas created\)$/);
    // kubectl's DescribePodTemplate ends with the template's node selectors and tolerations.
    hasLine(out, /^ {2}Node-Selectors: +<none>$/);
    hasLine(out, /^ {2}Tolerations: +<none>$/);
    const placed = structuredClone(d);
    placed.spec!.template!.spec!.nodeSelector = { disk: 'ssd' };
    placed.spec!.template!.spec!.tolerations = [{ key: 'a', operator: 'Equal', value: '1', effect: 'NoSchedule' }, { key: 'b', operator: 'Exists', value: '', effect: 'NoExecute', tolerationSeconds: 30 }];
    const placedOut = describeDeployment(placed, undefined, [], [], now).split('\n');
    const at = placedOut.findIndex((l) => /^ {2}Node-Selectors: +disk=ssd$/.test(l));
    assert.ok(at > 0, placedOut.join('\n'));
    assert.match(placedOut[at + 1], /^ {2}Tolerations: +a=1:NoSchedule$/);
    assert.match(placedOut[at + 2], /^ +b:NoExecute op=Exists for 30s$/);
  });

  it('describes a service with its endpoints', () => {
    const svc = Service.fromPartial({ metadata: { name: 'nginx', namespace: 'default' }, spec: { type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'nginx' }, ports: [{ port: 80, targetPort: 80, nodePort: 30080, protocol: 'TCP' }] } });
    // Its EndpointSlices, as kubectl 1.32 reads them: only ready endpoints are listed.
    const ep = [
      EndpointSlice.fromPartial({
        addressType: 'IPv4',
        ports: [{ name: '', port: 80, protocol: 'TCP' }],
        endpoints: [
          { addresses: ['10.244.1.2'], conditions: { ready: true } },
          { addresses: ['10.244.3.2'], conditions: { ready: false } },
          { addresses: ['10.244.2.2'], conditions: {} },
        ],
      }),
    ];
    const out = describeService(svc, ep, [], now);
    hasLine(out, /^Type: +NodePort$/);
    hasLine(out, /^IP: +10\.96\.0\.10$/);
    hasLine(out, /^Port: +<unset> +80\/TCP$/);
    hasLine(out, /^TargetPort: +80\/TCP$/);
    hasLine(out, /^NodePort: +<unset> +30080\/TCP$/);
    hasLine(out, /^Endpoints: +10\.244\.1\.2:80,10\.244\.2\.2:80$/);
    // The traffic policies as the apiserver defaulted them, printed when set (kubectl's describeService).
    assert.ok(!lines(out).some((l) => /Traffic Policy/.test(l)), out);
    const defaulted = describeService({ ...svc, spec: { ...svc.spec!, externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' } }, ep, [], now);
    hasLine(defaulted, /^External Traffic Policy: +Cluster$/);
    hasLine(defaulted, /^Internal Traffic Policy: +Cluster$/);
  });

  it("describes a namespace with its quotas and limit ranges, as kubectl's DescribeResourceQuotas and DescribeLimitRanges", () => {
    const ns = Namespace.fromPartial({ metadata: { name: 'shop' }, status: { phase: 'Active' } });
    assert.equal(describeNamespace(ns), 'Name:         shop\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Active\n');
    assert.equal(describeNamespace(ns, [], []), 'Name:         shop\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n');
    const quota = ResourceQuota.fromPartial({
      metadata: { name: 'compute' },
      spec: { hard: { pods: '10', 'requests.cpu': '2' } },
      status: { hard: { pods: '10', 'requests.cpu': '2' }, used: { pods: '1', 'requests.cpu': '500m' } },
    });
    const limits = LimitRange.fromPartial({ metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { cpu: '200m' }, defaultRequest: { cpu: '100m' } }] } });
    assert.deepEqual(lines(describeNamespace(ns, [quota], [limits])).slice(4), [
      '',
      'Resource Quotas',
      '  Name:         compute',
      '  Resource      Used  Hard',
      '  --------      ---   ---',
      '  pods          1     10',
      '  requests.cpu  500m  2',
      '',
      'Resource Limits',
      ' Type       Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio',
      ' ----       --------  ---  ---  ---------------  -------------  -----------------------',
      ' Container  cpu       -    -    100m             200m           -',
      '',
    ]);
  });

  it("describes a role as kubectl does: rules broken down per resource, compacted per resource, sorted by Kubernetes' rule order", () => {
    const role = ClusterRole.fromPartial({
      metadata: { name: 'mixed' },
      rules: [
        { verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments/scale'] },
        { verbs: ['update', 'get'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
        { verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] },
      ],
    });
    assert.deepEqual(lines(describeRole(role)), [
      'Name:         mixed',
      'Labels:       <none>',
      'Annotations:  <none>',
      'PolicyRule:',
      // Sorted as Go compares PolicyRule.String() (verbs first: "[get list update]" < "[get list]" < "[get]").
      '  Resources               Non-Resource URLs  Resource Names  Verbs',
      '  ---------               -----------------  --------------  -----',
      '  pods                    []                 []              [get list update]',
      '  deployments/scale       []                 []              [get list]',
      '  deployments.apps/scale  []                 []              [get list]',
      '  pods.apps               []                 []              [get list]',
      '                          [/api/*]           []              [get]',
      '                          [/healthz]         []              [get]',
      '  configmaps              []                 [a]             [get]',
      '  configmaps              []                 [b]             [get]',
      '',
    ]);
    const binding = RoleBinding.fromPartial({ metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }] });
    assert.deepEqual(lines(describeRoleBinding(binding)).slice(3), ['Role:', '  Kind:  Role', '  Name:  r', 'Subjects:', '  Kind            Name   Namespace', '  ----            ----   ---------', '  User            alice  ', '  ServiceAccount  sa     ns', '']);
  });

  it('describes other kinds generically with Title Case keys', () => {
    assert.equal(titleCase('holderIdentity'), 'Holder Identity');
    assert.equal(titleCase('leaseDurationSeconds'), 'Lease Duration Seconds');
    const out = describeGeneric(Leases, Lease.fromPartial({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } }), [], now);
    hasLine(out, /^Kind: +Lease$/);
    hasLine(out, /^Spec:$/);
    hasLine(out, /^ {2}Holder Identity: +n1$/);
    hasLine(out, /^ {2}Lease Duration Seconds: +40$/);
  });
});

describe('describe limitrange and quota', () => {
  it('prints a LimitRange as kubectl does: one row per type and resource, "-" where unset', () => {
    const lr = LimitRange.fromPartial({
      metadata: { name: 'limits', namespace: 'team' },
      spec: {
        limits: [
          { type: 'Pod', max: { cpu: '2' } },
          { type: 'Container', min: { cpu: '100m' }, max: { memory: '1024Mi' }, default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '200m', memory: '256Mi' }, maxLimitRequestRatio: { cpu: '4' } },
        ],
      },
    });
    assert.equal(
      describeLimitRange(lr),
      [
        'Name:       limits',
        'Namespace:  team',
        'Type        Resource  Min   Max  Default Request  Default Limit  Max Limit/Request Ratio',
        '----        --------  ---   ---  ---------------  -------------  -----------------------',
        'Pod         cpu       -     2    -                -              -',
        'Container   cpu       100m  -    200m             500m           4',
        'Container   memory    -     1Gi  256Mi            512Mi          -',
        '',
      ].join('\n'),
    );
  });

  it('prints a ResourceQuota as kubectl does: scopes with their help, then used and hard', () => {
    const q = ResourceQuota.fromPartial({
      metadata: { name: 'q', namespace: 'team' },
      spec: { hard: { pods: '4', 'services.nodeports': '1' }, scopes: ['NotBestEffort'] },
      status: { hard: { pods: '4', 'services.nodeports': '1' }, used: { pods: '1' } },
    });
    assert.equal(
      describeResourceQuota(q),
      [
        'Name:       q',
        'Namespace:  team',
        'Scopes:     NotBestEffort',
        '* Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.',
        'Resource            Used  Hard',
        '--------            ----  ----',
        'pods                1     4',
        'services.nodeports  0     1',
        '',
      ].join('\n'),
    );
  });
});
