// The root-ca-cert-publisher (Kubernetes' pkg/controller/certificates/rootcacertpublisher): a
// ConfigMap `kube-root-ca.crt` in every namespace whose key `ca.crt` holds the cluster's CA
// bundle (kube-controller-manager's --root-ca-file), from which pods' projected service-account
// volumes take ca.crt. It is created in each namespace added, and put back when edited (data or
// its description annotation) or deleted.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isNotFound } from '../../../lib/api/errors';
import { ConfigMaps, Namespaces } from '../../../lib/api/kinds';
import { ConfigMap, type Namespace } from '../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import { jsonEqual } from '../../../lib/util/json';
import { isForbiddenTerminating } from '../common/errors';
import { QueueController, type ControllerContext } from '../controller';

export const ROOT_CA_CONFIGMAP_NAME = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCACertPublisherOptions {
  /** Concurrent syncs (kube-controller-manager runs this controller with one worker). */
  workers: number;
  /** The CA bundle (PEM) published as ca.crt: --root-ca-file, else the CA the controller-manager trusts the apiserver with. */
  rootCA: string;
}

/** Reads --root-ca-file: a PEM bundle of one or more certificates, refused otherwise as kube-controller-manager refuses it. */
export function readRootCA(path: string): string {
  try {
    const pem = readFileSync(path, 'utf8');
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new Error('data does not contain any valid RSA or ECDSA certificates');
    for (const b of blocks) new X509Certificate(b);
    return pem;
  } catch (err) {
    throw new Error(`error parsing root-ca-file at ${path}: ${(err as Error).message}`);
  }
}

export const DEFAULT_ROOT_CA_CERT_PUBLISHER_OPTIONS: RootCACertPublisherOptions = { workers: 1, rootCA: '' };

export class RootCACertPublisher extends QueueController<RootCACertPublisherOptions> {
  readonly name = 'root-ca-cert-publisher';
  private readonly cmInformer: SharedInformer<ConfigMap>;
  private readonly nsInformer: SharedInformer<Namespace>;
  private readonly cmLister: Lister<ConfigMap>;

  constructor(ctx: ControllerContext, opts: Partial<RootCACertPublisherOptions> = {}) {
    super(ctx, 'root-ca-cert-publisher', DEFAULT_ROOT_CA_CERT_PUBLISHER_OPTIONS, opts);
    this.cmInformer = ctx.informers.forKind(ConfigMaps);
    this.nsInformer = ctx.informers.forKind(Namespaces);
    this.cmLister = this.cmInformer.lister();
    // Keys are namespace names. Only the published ConfigMap's changes and deletion matter.
    const published = (cm: ConfigMap) => {
      if (cm.metadata!.name === ROOT_CA_CONFIGMAP_NAME) this.queue.add(cm.metadata!.namespace);
    };
    this.cmInformer.addEventHandler({ onUpdate: (_old, cm) => published(cm), onDelete: published });
    this.nsInformer.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata!.name),
      onUpdate: (_old, ns) => {
        if (ns.status?.phase === 'Active') this.queue.add(ns.metadata!.name);
      },
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.cmInformer, this.nsInformer];
  }

  /** syncNamespace: the namespace's kube-root-ca.crt created, or its data and description put back. */
  async reconcile(namespace: string): Promise<void> {
    const data = { [ROOT_CA_KEY]: this.opts.rootCA };
    const client = this.ctx.client.resource(ConfigMaps);
    const cm = this.cmLister.get(`${namespace}/${ROOT_CA_CONFIGMAP_NAME}`);
    if (!cm) {
      try {
        await client.create(
          ConfigMap.fromPartial({ metadata: { name: ROOT_CA_CONFIGMAP_NAME, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } }, data }),
          { namespace },
        );
      } catch (err) {
        // No retry when the namespace is gone or terminating.
        if (!isNotFound(err) && !isForbiddenTerminating(err)) throw err;
      }
      return;
    }
    if (jsonEqual(cm.data, data) && cm.metadata?.annotations[DESCRIPTION_ANNOTATION]) return;
    const next = structuredClone(cm);
    next.data = data;
    next.metadata!.annotations[DESCRIPTION_ANNOTATION] = ROOT_CA_DESCRIPTION;
    await client.update(next);
  }
}
