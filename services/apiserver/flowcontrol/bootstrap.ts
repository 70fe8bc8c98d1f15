// The priority levels and flow schemas every apiserver starts with: Kubernetes' API Priority and
// Fairness bootstrap configuration (k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap), with its
// shares, queue shapes and matching precedences. system:masters and health probes are exempt;
// nodes' heartbeats have their own level; controllers and the scheduler share workload-high;
// every other user has a flow of their own in global-default.
import { AUTHENTICATED_GROUP, MASTERS_GROUP, NODES_GROUP } from '../auth/user-info';

export interface QueuingConfiguration {
  /** Queues of the level; a flow is shuffle-sharded onto `handSize` of them. */
  queues: number;
  handSize: number;
  /** Requests waiting in one queue before further ones are refused. */
  queueLengthLimit: number;
}

export interface PriorityLevelConfiguration {
  name: string;
  /** Exempt requests are never queued nor refused. */
  type: 'Exempt' | 'Limited';
  /** This level's part of the server's concurrency, relative to the other limited levels. */
  nominalConcurrencyShares: number;
  /** Absent: a request that finds every seat taken is refused at once (LimitResponse Reject). */
  queuing?: QueuingConfiguration;
}

export type Subject =
  | { kind: 'User'; name: string }
  | { kind: 'Group'; name: string }
  | { kind: 'ServiceAccount'; namespace: string; name: string };

export interface ResourcePolicyRule {
  verbs: string[];
  apiGroups: string[];
  /** "pods", "nodes/status", or "*". */
  resources: string[];
  /** Namespaces matched ("*": every namespace); cluster-scoped requests match only with clusterScope. */
  namespaces: string[];
  clusterScope: boolean;
}

export interface NonResourcePolicyRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface PolicyRulesWithSubjects {
  subjects: Subject[];
  resourceRules: ResourcePolicyRule[];
  nonResourceRules: NonResourcePolicyRule[];
}

export interface FlowSchema {
  name: string;
  priorityLevel: string;
  /** Lowest first: the first schema that matches classifies the request. */
  matchingPrecedence: number;
  /** How requests of one schema are split into flows (absent: one flow). */
  distinguisher?: 'ByUser' | 'ByNamespace';
  rules: PolicyRulesWithSubjects[];
}

export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
const KUBE_SYSTEM = 'kube-system';
const CONTROLLER_MANAGER = 'system:kube-controller-manager';
const SCHEDULER = 'system:kube-scheduler';

const queuing = (queues: number, handSize: number, queueLengthLimit: number): QueuingConfiguration => ({ queues, handSize, queueLengthLimit });
const limited = (name: string, nominalConcurrencyShares: number, q?: QueuingConfiguration): PriorityLevelConfiguration => ({
  name,
  type: 'Limited',
  nominalConcurrencyShares,
  queuing: q,
});

export const BOOTSTRAP_PRIORITY_LEVELS: PriorityLevelConfiguration[] = [
  { name: 'exempt', type: 'Exempt', nominalConcurrencyShares: 0 },
  limited('system', 30, queuing(64, 6, 50)),
  limited('node-high', 40, queuing(64, 6, 50)),
  limited('leader-election', 10, queuing(16, 4, 50)),
  limited('workload-high', 40, queuing(128, 6, 50)),
  limited('workload-low', 100, queuing(128, 6, 50)),
  limited('global-default', 20, queuing(128, 6, 50)),
  limited('catch-all', 5),
];

const users = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'User', name }));
const groups = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'Group', name }));
const kubeSystemServiceAccounts: Subject = { kind: 'ServiceAccount', namespace: KUBE_SYSTEM, name: '*' };
const resourceRule = (verbs: string[], apiGroups: string[], resources: string[], namespaces: string[], clusterScope: boolean): ResourcePolicyRule => ({
  verbs,
  apiGroups,
  resources,
  namespaces,
  clusterScope,
});
const ALL_RESOURCES = resourceRule(['*'], ['*'], ['*'], ['*'], true);
const ALL_NON_RESOURCES: NonResourcePolicyRule = { verbs: ['*'], nonResourceURLs: ['*'] };
const everything = (subjects: Subject[]): PolicyRulesWithSubjects[] => [{ subjects, resourceRules: [ALL_RESOURCES], nonResourceRules: [ALL_NON_RESOURCES] }];
const leaderElectionRules = (namespaces: string[]): ResourcePolicyRule[] => [
  resourceRule(['get', 'create', 'update'], [''], ['endpoints', 'configmaps'], namespaces, false),
  resourceRule(['get', 'create', 'update'], ['coordination.k8s.io'], ['leases'], namespaces, false),
];

export const BOOTSTRAP_FLOW_SCHEMAS: FlowSchema[] = [
  { name: 'exempt', priorityLevel: 'exempt', matchingPrecedence: 1, rules: everything(groups(MASTERS_GROUP)) },
  {
    name: 'probes',
    priorityLevel: 'exempt',
    matchingPrecedence: 2,
    rules: [
      {
        subjects: groups(UNAUTHENTICATED_GROUP, AUTHENTICATED_GROUP),
        resourceRules: [],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }],
      },
    ],
  },
  {
    name: 'system-leader-election',
    priorityLevel: 'leader-election',
    matchingPrecedence: 100,
    distinguisher: 'ByUser',
    rules: [{ subjects: [...users(CONTROLLER_MANAGER, SCHEDULER), kubeSystemServiceAccounts], resourceRules: leaderElectionRules([KUBE_SYSTEM]), nonResourceRules: [] }],
  },
  {
    name: 'endpoint-controller',
    priorityLevel: 'workload-high',
    matchingPrecedence: 150,
    distinguisher: 'ByUser',
    rules: [
      {
        subjects: [...users(CONTROLLER_MANAGER), { kind: 'ServiceAccount', namespace: KUBE_SYSTEM, name: 'endpoint-controller' }],
        resourceRules: [resourceRule(['get', 'create', 'update'], [''], ['endpoints'], ['*'], false)],
        nonResourceRules: [],
      },
    ],
  },
  {
    name: 'workload-leader-election',
    priorityLevel: 'leader-election',
    matchingPrecedence: 200,
    distinguisher: 'ByUser',
    rules: [{ subjects: [kubeSystemServiceAccounts], resourceRules: leaderElectionRules(['*']), nonResourceRules: [] }],
  },
  {
    name: 'system-node-high',
    priorityLevel: 'node-high',
    matchingPrecedence: 400,
    distinguisher: 'ByUser',
    rules: [
      {
        subjects: groups(NODES_GROUP),
        resourceRules: [resourceRule(['*'], [''], ['nodes', 'nodes/status'], ['*'], true), resourceRule(['*'], ['coordination.k8s.io'], ['leases'], ['*'], false)],
        nonResourceRules: [],
      },
    ],
  },
  { name: 'system-nodes', priorityLevel: 'system', matchingPrecedence: 500, distinguisher: 'ByUser', rules: everything(groups(NODES_GROUP)) },
  { name: 'kube-controller-manager', priorityLevel: 'workload-high', matchingPrecedence: 800, distinguisher: 'ByNamespace', rules: everything(users(CONTROLLER_MANAGER)) },
  { name: 'kube-scheduler', priorityLevel: 'workload-high', matchingPrecedence: 800, distinguisher: 'ByNamespace', rules: everything(users(SCHEDULER)) },
  {
    name: 'kube-system-service-accounts',
    priorityLevel: 'workload-high',
    matchingPrecedence: 900,
    distinguisher: 'ByNamespace',
    rules: everything([kubeSystemServiceAccounts]),
  },
  { name: 'service-accounts', priorityLevel: 'workload-low', matchingPrecedence: 9000, distinguisher: 'ByUser', rules: everything(groups(SERVICE_ACCOUNTS_GROUP)) },
  {
    name: 'global-default',
    priorityLevel: 'global-default',
    matchingPrecedence: 9900,
    distinguisher: 'ByUser',
    rules: everything(groups(UNAUTHENTICATED_GROUP, AUTHENTICATED_GROUP)),
  },
  { name: 'catch-all', priorityLevel: 'catch-all', matchingPrecedence: 10000, distinguisher: 'ByUser', rules: everything(groups(UNAUTHENTICATED_GROUP, AUTHENTICATED_GROUP)) },
];
