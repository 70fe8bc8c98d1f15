// Builds the apiserver's security from kube-apiserver's flags: TLS credentials, authenticators,
// the authorizer chain (--authorization-mode), priority and fairness (or in-flight limits), the
// admission chain (--enable/--disable-admission-plugins) and the audit log, wired into one
// RequestGate. The insecure development mode (no TLS,
// no authentication) stays available and says so loudly in the log.
import { ServerCredentials, type Server, type ServerInterceptor } from '@grpc/grpc-js';
import type { KindInfo } from '../../../lib/api/kinds';
import * as K from '../../../lib/api/kinds';
import type { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { PROTO_FILES, PROTO_ROOT } from '../grpc/reflection';
import type { Registry } from '../registry/registry';
import { AdmissionChain, selectAdmissionPlugins, type AdmissionPlugin, type AdmissionPluginName } from '../admission/chain';
import { NamespaceLifecycle, type NamespaceState } from '../admission/namespace-lifecycle';
import { NodeRestriction } from '../admission/node-restriction';
import { loadPodSecurityConfiguration, PodSecurity, registrySource } from '../admission/pod-security';
import { accessReviewService } from './access-review-service';
import { AuditLog } from './audit/audit-log';
import { Authenticator } from './authn/authenticator';
import { FrontDoorTrust } from './authn/front-door-trust';
import { TokenFileAuthenticator } from './authn/token-file';
import { UnionAuthorizer, alwaysAllow, alwaysDeny, parseAuthorizationModes, type Authorizer } from './authz/authorizer';
import { PriorityAndFairness, DEFAULT_FLOW_CONTROL } from '../flowcontrol/priority-and-fairness';
import { TurnScheduler } from '../flowcontrol/turn-scheduler';
import { authenticateOnHeaders } from './limits/authenticate-on-headers';
import { InflightLimiter } from './limits/inflight-limiter';
import type { RequestLimiter } from './limits/request-limiter';
import { RequestSchemas } from './limits/strict-decoding';
import { NodeAuthorizer } from './node/node-authorizer';
import type { PodLookup, PodsOnNode } from './node/node-policy';
import { LimitRanger } from '../admission/limit-ranger';
import { ServiceAccountAdmission } from '../admission/service-account';
import { DefaultStorageClass } from '../admission/storage/default-storage-class';
import { Priority } from '../admission/priority';
import { StorageObjectInUseProtection } from '../admission/storage/storage-object-in-use-protection';
import { NamespaceUsage } from '../admission/resource-quota/namespace-usage';
import { QuotaAdmission } from '../admission/resource-quota/quota-admission';
import { QuotaStatusSync } from '../admission/resource-quota/quota-status';
import { ensureBootstrapPolicy } from './rbac/bootstrap-policy';
import { EscalationCheck } from '../admission/rbac-escalation/escalation';
import { RbacAuthorizer } from './rbac/rbac-authorizer';
import { RequestGate } from './request-gate';
import { DEFAULT_SERVICE_ACCOUNT_FLAGS, setupServiceAccountTokens, type ServiceAccountFlags } from './serviceaccount/service-accounts';
import type { TokenRequests } from './serviceaccount/token-request';
import { serverCredentials } from './tls';

export interface SecurityConfig extends ServiceAccountFlags {
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCAFile?: string;
  tokenAuthFile?: string;
  /** --authorization-mode, e.g. "Node,RBAC" (default AlwaysAllow, as kube-apiserver). */
  authorizationMode: string;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  /** API Priority and Fairness (else the max-in-flight limit); both split the two limits above. */
  enablePriorityAndFairness: boolean;
  auditLogPath?: string;
  /** kube-apiserver's --admission-control-config-file (the PodSecurity plugin's defaults and exemptions). */
  admissionControlConfigFile?: string;
  /** --enable-admission-plugins: added to the default plugins. */
  enableAdmissionPlugins: string[];
  /** --disable-admission-plugins: removed from them. */
  disableAdmissionPlugins: string[];
  /** How often ResourceQuota status is recomputed. */
  quotaSyncIntervalMs: number;
}

export const DEFAULT_SECURITY: SecurityConfig = {
  ...DEFAULT_SERVICE_ACCOUNT_FLAGS,
  authorizationMode: 'AlwaysAllow',
  maxRequestsInflight: 400,
  maxMutatingRequestsInflight: 200,
  enablePriorityAndFairness: true,
  quotaSyncIntervalMs: 10_000,
  enableAdmissionPlugins: [],
  disableAdmissionPlugins: [],
};

export interface Security {
  gate: RequestGate;
  credentials: ServerCredentials;
  tls: boolean;
  authenticator: Authenticator;
  authorizer: Authorizer;
  limiter: RequestLimiter;
  /** The secret the HTTP front door's internal calls carry to forward their callers' credentials. */
  frontDoor: FrontDoorTrust;
  /** The serviceaccounts/token subresource; absent without --service-account-signing-key-file. */
  tokenRequests?: TokenRequests;
  /** gRPC server interceptors: authentication on the headers, before any body is read. */
  interceptors: ServerInterceptor[];
  /** Adds the non-resource services (access reviews). */
  addServices(server: Server): void;
  stop(): Promise<void>;
}

/** Unauthenticated health and reflection calls at once: at most this many bodies of --max-request-bytes held for strangers. */
const MAX_UNAUTHENTICATED_OPEN_CALLS = 8;

type RegistryOf = <T extends K.KubeObject>(kind: KindInfo<T>) => Registry<T>;

function podLookup(pods: Registry<Pod>): PodLookup {
  return async (namespace, name) => {
    if (!name) return undefined;
    const cached = pods.cached(namespace, name);
    if (cached) return cached;
    return pods.get(namespace, name).catch(() => undefined);
  };
}

/** The pods the watch cache has bound to a node in a namespace. */
function podsOnNode(pods: Registry<Pod>): PodsOnNode {
  return (node, namespace) => pods.cachedList({ namespace }).filter((p) => p.spec?.nodeName === node);
}

/** Whether a namespace exists and is active; the cache answers almost always, storage for one created a moment ago. */
function namespaceState(namespaces: Registry<Namespace>): (name: string) => Promise<NamespaceState> {
  return async (name) => {
    const ns = namespaces.cached('', name) ?? (await namespaces.get('', name).catch(() => undefined));
    if (!ns) return 'missing';
    return ns.metadata?.deletionTimestamp ? 'terminating' : 'active';
  };
}

/** Validates the flags, ensures the bootstrap RBAC policy, and assembles the gate. */
export async function setupSecurity(cfg: SecurityConfig, registry: RegistryOf, registries: ReadonlyMap<string, Registry<any>>): Promise<Security> {
  const log = logger('apiserver');
  if (!!cfg.tlsCertFile !== !!cfg.tlsPrivateKeyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  if (cfg.clientCAFile && !cfg.tlsCertFile) throw new Error('--client-ca-file needs TLS (--tls-cert-file and --tls-private-key-file)');
  const tls = !!cfg.tlsCertFile;
  const credentials = tls
    ? serverCredentials({ certFile: cfg.tlsCertFile!, keyFile: cfg.tlsPrivateKeyFile!, clientCAFile: cfg.clientCAFile })
    : ServerCredentials.createInsecure();
  const tokens = cfg.tokenAuthFile ? TokenFileAuthenticator.fromFile(cfg.tokenAuthFile) : undefined;
  const serviceAccountTokens = setupServiceAccountTokens(cfg, registry);
  const frontDoor = new FrontDoorTrust();
  const authenticator = new Authenticator({ clientCertificates: !!cfg.clientCAFile, tokens, serviceAccounts: serviceAccountTokens?.authenticator, frontDoor });

  const modes = parseAuthorizationModes(cfg.authorizationMode);
  const pods = podLookup(registry(K.Pods));
  const rbac = new RbacAuthorizer({
    roles: registry(K.Roles),
    clusterRoles: registry(K.ClusterRoles),
    roleBindings: registry(K.RoleBindings),
    clusterRoleBindings: registry(K.ClusterRoleBindings),
  });
  const byMode: Record<string, Authorizer> = { AlwaysAllow: alwaysAllow, AlwaysDeny: alwaysDeny, RBAC: rbac, Node: new NodeAuthorizer(pods, podsOnNode(registry(K.Pods)), (ns, name) => registry(K.PersistentVolumeClaims).cached(ns, name)) };
  const authorizer = new UnionAuthorizer(modes.map((m) => byMode[m]));
  if (modes.includes('RBAC')) await ensureBootstrapPolicy(registry(K.ClusterRoles), registry(K.ClusterRoleBindings));

  const usage = new NamespaceUsage(registries);
  const quotaStatus = new QuotaStatusSync(registry(K.ResourceQuotas), usage, cfg.quotaSyncIntervalMs);
  quotaStatus.start();
  const limiter = cfg.enablePriorityAndFairness
    ? new PriorityAndFairness({ ...DEFAULT_FLOW_CONTROL, serverConcurrencyLimit: cfg.maxRequestsInflight + cfg.maxMutatingRequestsInflight })
    : new InflightLimiter({ maxReadonly: cfg.maxRequestsInflight, maxMutating: cfg.maxMutatingRequestsInflight, retryAfterSeconds: 1 });
  const audit = cfg.auditLogPath ? new AuditLog(cfg.auditLogPath) : undefined;
  const plugins: Record<AdmissionPluginName, () => AdmissionPlugin | undefined> = {
    NamespaceLifecycle: () => new NamespaceLifecycle(namespaceState(registry(K.Namespaces))),
    LimitRanger: () => new LimitRanger(registry(K.LimitRanges)),
    ServiceAccount: () => new ServiceAccountAdmission(registry(K.ServiceAccounts)),
    NodeRestriction: () => new NodeRestriction(pods, async (name) => registry(K.Nodes).cached('', name) ?? registry(K.Nodes).get('', name).catch(() => undefined)),
    PodSecurity: () => new PodSecurity(registrySource(registry, cfg.admissionControlConfigFile ? loadPodSecurityConfiguration(cfg.admissionControlConfigFile) : undefined)),
    Priority: () => new Priority({ cachedList: () => registry(K.PriorityClasses).cachedList() }),
    DefaultStorageClass: () => new DefaultStorageClass({ cachedList: () => registry(K.StorageClasses).cachedList() }),
    StorageObjectInUseProtection: () => new StorageObjectInUseProtection(),
    // Escalation is checked against RBAC's rules; other authorizers have no roles to escalate.
    RBACEscalation: () => (modes.includes('RBAC') ? new EscalationCheck(rbac, authorizer) : undefined),
    ResourceQuota: () => new QuotaAdmission(registry(K.ResourceQuotas), usage, () => quotaStatus.poke()),
  };
  const admission = new AdmissionChain(
    selectAdmissionPlugins(cfg.enableAdmissionPlugins, cfg.disableAdmissionPlugins).flatMap((name) => plugins[name]() ?? []),
  );
  const gate = new RequestGate({
    frontDoor,
    authenticator,
    authorizer,
    limiter,
    admission,
    audit,
    schemas: new RequestSchemas(PROTO_ROOT, PROTO_FILES),
  });

  if (!tls) log.warn('serving plaintext gRPC (no --tls-cert-file): for local development only');
  if (authenticator.insecureDevMode) {
    log.warn('no authentication configured (--client-ca-file, --token-auth-file): every request is user system:anonymous in group system:masters; for local development only');
  } else if (modes.length === 1 && modes[0] === 'AlwaysAllow') {
    log.warn('--authorization-mode AlwaysAllow: every authenticated user may do anything');
  }
  if ((tokens || serviceAccountTokens) && !tls) log.warn('bearer tokens are accepted over plaintext: anyone on the network can read them');
  log.info({ tls, clientCertificates: !!cfg.clientCAFile, tokens: tokens?.size ?? 0, serviceAccountIssuers: cfg.serviceAccountIssuers, authorization: modes, admission: admission.names, audit: cfg.auditLogPath }, 'apiserver security');

  return {
    gate,
    credentials,
    tls,
    authenticator,
    authorizer,
    limiter,
    frontDoor,
    tokenRequests: serviceAccountTokens?.tokenRequests,
    // Without authentication (insecure development mode) nothing happens on the headers: no interceptor wraps each call.
    interceptors: authenticator.insecureDevMode
      ? []
      : [
          authenticateOnHeaders({
            authenticator,
            audit,
            maxUnauthenticatedOpenCalls: MAX_UNAUTHENTICATED_OPEN_CALLS,
            turns: cfg.enablePriorityAndFairness ? new TurnScheduler() : undefined,
          }),
        ],
    addServices(server) {
      const svc = accessReviewService(gate, authorizer);
      server.addService(svc.definition, svc.implementation);
    },
    async stop() {
      quotaStatus.stop();
      await audit?.close();
    },
  };
}
