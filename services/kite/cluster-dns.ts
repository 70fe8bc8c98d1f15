// The cluster DNS addon of a `kite` cluster, as kubeadm's CoreDNS addon phase installs it (and so
// kind has it): the ServiceAccount coredns, the ClusterRole system:coredns and its binding, the
// Deployment of the DNS server (kite-dns, services/kite-dns/, in place of CoreDNS; pods labelled
// k8s-app=kube-dns) and the Service kube-dns at the tenth address of the service range, created
// through the API once the control plane answers: kubeadm's settings (priorityClassName
// system-cluster-critical, the preferred pod anti-affinity spreading the replicas over nodes, the
// metrics port 9153 with the Service's prometheus.io annotations, named probe ports). Left out:
// the Corefile ConfigMap and its volume (kite-dns takes flags: the Corefile's settings are its
// defaults, and --ttl 30 as kubeadm's `ttl 30`).
import type { Clientset } from '../../lib/client/clientset';
import { createUnlessExists } from './cluster-client';
import { ClusterRoleBindings, ClusterRoles, Deployments, ServiceAccounts, Services } from '../../lib/gen/kite/kinds';
import { indexedIP } from '../../lib/util/net';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_DEPLOYMENT = 'kite-dns';
export const DNS_SERVICE = 'kube-dns';
export const CLUSTER_DOMAIN = 'cluster.local';
const SERVICE_ACCOUNT = 'coredns';
const CLUSTER_ROLE = 'system:coredns';
const LABELS = { 'k8s-app': 'kube-dns' };
/** CoreDNS's prometheus plugin port, kite-dns's --metrics-address default. */
const METRICS_PORT = 9153;

/** kubeadm's DNS Service IP: the tenth address of the service subnet (10.96.0.10 for 10.96.0.0/12). */
export function dnsServiceIP(serviceSubnet: string): string {
  return indexedIP(serviceSubnet, 10);
}

/** kubeadm's CoreDNS manifests with kite-dns in CoreDNS's place, as Kubernetes JSON. */
export function dnsManifests(serviceSubnet: string, image: string) {
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, ...extra });
  return {
    serviceAccount: { metadata: meta(SERVICE_ACCOUNT, { namespace: DNS_NAMESPACE }) },
    clusterRole: {
      metadata: meta(CLUSTER_ROLE, { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }),
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    clusterRoleBinding: {
      metadata: meta(CLUSTER_ROLE, {
        labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
        annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
      }),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: DNS_NAMESPACE }],
    },
    deployment: {
      metadata: meta(DNS_DEPLOYMENT, { namespace: DNS_NAMESPACE, labels: LABELS }),
      spec: {
        replicas: 2,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: {
            priorityClassName: 'system-cluster-critical',
            serviceAccountName: SERVICE_ACCOUNT,
            // Replicas on different nodes when there are enough, so one node's loss leaves DNS up.
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }] },
                    topologyKey: 'kubernetes.io/hostname',
                  },
                }],
              },
            },
            tolerations: [
              { key: 'CriticalAddonsOnly', operator: 'Exists' },
              { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
            ],
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [{
              name: 'kite-dns',
              image,
              imagePullPolicy: 'IfNotPresent',
              // The Corefile's `kubernetes cluster.local ... { ttl 30 }`.
              args: ['--cluster-domain', CLUSTER_DOMAIN, '--ttl', '30'],
              resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                { name: 'liveness-probe', containerPort: 8080, protocol: 'TCP' },
                { name: 'readiness-probe', containerPort: 8181, protocol: 'TCP' },
              ],
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                readOnlyRootFilesystem: true,
              },
              livenessProbe: {
                httpGet: { path: '/health', port: 'liveness-probe', scheme: 'HTTP' },
                initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5,
              },
              readinessProbe: { httpGet: { path: '/ready', port: 'readiness-probe', scheme: 'HTTP' } },
            }],
            // The node's resolvers, to which every name outside the cluster domain is forwarded.
            dnsPolicy: 'Default',
          },
        },
      },
    },
    service: {
      metadata: meta(DNS_SERVICE, {
        namespace: DNS_NAMESPACE,
        labels: { ...LABELS, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KiteDNS' },
        annotations: { 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/scrape': 'true' },
      }),
      spec: {
        clusterIP: dnsServiceIP(serviceSubnet),
        selector: LABELS,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: METRICS_PORT, protocol: 'TCP', targetPort: METRICS_PORT },
        ],
      },
    },
  };
}

/** Creates the addon's objects; those that exist already are left as they are (a re-run). */
export async function installClusterDns(client: Clientset, serviceSubnet: string, image: string): Promise<void> {
  const m = dnsManifests(serviceSubnet, image);
  await createUnlessExists(client.serviceAccounts.create(ServiceAccounts.type.fromJSON(m.serviceAccount), { namespace: DNS_NAMESPACE }));
  await createUnlessExists(client.clusterRoles.create(ClusterRoles.type.fromJSON(m.clusterRole)));
  await createUnlessExists(client.clusterRoleBindings.create(ClusterRoleBindings.type.fromJSON(m.clusterRoleBinding)));
  await createUnlessExists(client.services.create(Services.type.fromJSON(m.service), { namespace: DNS_NAMESPACE }));
  await createUnlessExists(client.deployments.create(Deployments.type.fromJSON(m.deployment), { namespace: DNS_NAMESPACE }));
}
