// Kubernetes' kubernetesservice controller (pkg/controlplane/controller/kubernetesservice): keeps
// the `default/kubernetes` Service (port 443 named "https", targetPort the apiserver's secure
// port, ClusterIP the first address of the Service range) and, through the endpoint reconciler,
// its Endpoints. Kite's gRPC API is a second port named "grpc" (its own number on both sides),
// so in-cluster Kubernetes clients reach the HTTP API on 443 and Kite's reach gRPC through
// KUBERNETES_SERVICE_PORT_GRPC; an apiserver without the HTTP API serves gRPC on "https" 443.
// Ports are corrected on the first sync only, as in Kubernetes; every interval after that renews
// this apiserver's lease. Stopping removes this apiserver from the Endpoints.
import { isAlreadyExists, isNotFound } from '../../../lib/api/errors';
import { Namespace, Service, type EndpointPort, type ServicePort } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { realClock, type Clock, type Timer } from '../../../lib/util/clock';
import type { Registry } from '../registry/registry';
import type { EndpointReconciler } from './reconcilers/endpoint-reconciler';

export const KUBERNETES_SERVICE_NAME = 'kubernetes';
/** Kubernetes' DefaultEndpointReconcilerInterval. */
export const DEFAULT_ENDPOINT_INTERVAL_MS = 10_000;

export interface KubernetesServiceConfig {
  /** The Service's ClusterIP. */
  serviceIP: string;
  /** The Service's port (kube-apiserver: 443). */
  servicePort: number;
  /** This apiserver's advertised address. */
  endpointIP: string;
  /** The port behind "https": the HTTP API's (--secure-port), or the gRPC port when it is not served. */
  endpointPort: number;
  /** Kite's gRPC port, the second port "grpc", when endpointPort is the HTTP API's. */
  grpcPort?: number;
  endpointIntervalMs: number;
}

export interface KubernetesServiceRegistries {
  namespaces: Registry<Namespace>;
  services: Registry<Service>;
}

const PORT_NAME = 'https';
/** The port name of Kite's gRPC API: pods see it as KUBERNETES_SERVICE_PORT_GRPC. */
export const GRPC_PORT_NAME = 'grpc';

function servicePorts(cfg: KubernetesServiceConfig): ServicePort[] {
  const https: ServicePort = { name: PORT_NAME, protocol: 'TCP', appProtocol: '', port: cfg.servicePort, targetPort: cfg.endpointPort, nodePort: 0 };
  if (cfg.grpcPort === undefined) return [https];
  return [https, { name: GRPC_PORT_NAME, protocol: 'TCP', appProtocol: '', port: cfg.grpcPort, targetPort: cfg.grpcPort, nodePort: 0 }];
}

function endpointPorts(cfg: KubernetesServiceConfig): EndpointPort[] {
  const https: EndpointPort = { name: PORT_NAME, protocol: 'TCP', appProtocol: '', port: cfg.endpointPort };
  if (cfg.grpcPort === undefined) return [https];
  return [https, { name: GRPC_PORT_NAME, protocol: 'TCP', appProtocol: '', port: cfg.grpcPort }];
}

/** Kubernetes' checkServiceFormat: ClusterIP type and exactly the expected ports. */
function serviceFormatCorrect(svc: Service, want: ServicePort[]): boolean {
  const have = svc.spec?.ports ?? [];
  if (svc.spec?.type !== 'ClusterIP' || have.length !== want.length) return false;
  return want.every((p, i) => p.name === have[i].name && p.protocol === have[i].protocol && p.port === have[i].port && p.targetPort === have[i].targetPort && !have[i].nodePort);
}

export class KubernetesServiceController {
  private timer: Timer | undefined;
  private stopped = false;
  private readonly log = logger('apiserver');

  constructor(
    private readonly registries: KubernetesServiceRegistries,
    private readonly reconciler: EndpointReconciler,
    private readonly cfg: KubernetesServiceConfig,
    private readonly clock: Clock = realClock,
  ) {}

  /** Clears a stale claim of a previous run, syncs once (correcting ports), then every interval. */
  async start(): Promise<void> {
    try {
      await this.reconciler.removeEndpoints(KUBERNETES_SERVICE_NAME, this.cfg.endpointIP, endpointPorts(this.cfg));
      this.log.error({ address: this.cfg.endpointIP }, 'found stale data, removed previous endpoints for the "kubernetes" Service: the apiserver did not exit cleanly before');
    } catch (err) {
      if (!isNotFound(err)) this.log.error({ err: (err as Error).message }, 'error removing old endpoints from the "kubernetes" Service');
    }
    await this.sync(true).catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'unable to sync the "kubernetes" Service'));
    this.schedule();
  }

  /** Stops the loop and removes this apiserver's address (bounded by two intervals, as Kubernetes). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.reconciler.stopReconciling();
    let bound: Timer | undefined;
    const timedOut = new Promise<void>((resolve) => {
      bound = this.clock.setTimer(() => {
        this.log.warn('removing the endpoints of the "kubernetes" Service timed out');
        resolve();
      }, 2 * this.cfg.endpointIntervalMs);
    });
    const removed = this.reconciler.removeEndpoints(KUBERNETES_SERVICE_NAME, this.cfg.endpointIP, endpointPorts(this.cfg)).catch((err: unknown) => {
      this.log.error({ err: (err as Error).message }, 'unable to remove endpoints from the "kubernetes" Service');
    });
    await Promise.race([removed, timedOut]);
    bound?.cancel();
  }

  /** Kubernetes' UpdateKubernetesService: the default namespace, the Service, then the Endpoints. */
  async sync(reconcile: boolean): Promise<void> {
    await this.ensureDefaultNamespace();
    await this.createOrUpdateService(reconcile);
    await this.reconciler.reconcileEndpoints(KUBERNETES_SERVICE_NAME, this.cfg.endpointIP, endpointPorts(this.cfg), reconcile);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      this.sync(false)
        .catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'unable to sync the "kubernetes" Service'))
        .finally(() => this.schedule());
    }, this.cfg.endpointIntervalMs);
  }

  private async ensureDefaultNamespace(): Promise<void> {
    await this.registries.namespaces.create('', Namespace.fromPartial({ metadata: { name: 'default' } })).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
  }

  private async createOrUpdateService(reconcile: boolean): Promise<void> {
    const ports = servicePorts(this.cfg);
    const existing = await this.registries.services.get('default', KUBERNETES_SERVICE_NAME).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (existing) {
      if (!reconcile || serviceFormatCorrect(existing, ports)) return;
      this.log.warn({ service: `default/${KUBERNETES_SERVICE_NAME}`, port: this.cfg.servicePort, targetPort: this.cfg.endpointPort }, 'resetting the apiserver service');
      existing.spec!.ports = ports;
      existing.spec!.type = 'ClusterIP';
      await this.registries.services.update(existing);
      return;
    }
    try {
      await this.registries.services.create(
        'default',
        Service.fromPartial({
          metadata: { name: KUBERNETES_SERVICE_NAME, namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: { type: 'ClusterIP', clusterIP: this.cfg.serviceIP, sessionAffinity: 'None', ports },
        }),
      );
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.createOrUpdateService(reconcile);
    }
  }
}
