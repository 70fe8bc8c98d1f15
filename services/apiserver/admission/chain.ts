// The admission chain, in kube-apiserver's shape: named plugins run in one fixed order, the
// mutating phase of every plugin first, then the validating phase, then the plugins that must
// wrap the write itself (ResourceQuota counts and stores in one serialized step). Which plugins
// run is chosen as kube-apiserver's --enable-admission-plugins / --disable-admission-plugins do.
// The request gate runs the chain after authorization, for every call of a <Kind>Service and
// for the log and exec streams.
import type { KindInfo, KubeObject, Verb } from '../../../lib/api/kinds';
import type { RequestAttributes } from '../auth/request-attributes';
import type { UserInfo } from '../auth/user-info';

/** What a plugin sees of one call (Kubernetes' admission.Attributes). */
export interface AdmissionRequest {
  kind: KindInfo<any>;
  /** The call ("CreatePod", "PodLogs"); `verb` is what it does. */
  rpc: string;
  verb: Verb | undefined;
  /** The decoded request message; mutating plugins may change the object in it. */
  request: any;
  /** The object of a create or update (the request's object field), if any. */
  object: KubeObject | undefined;
  user: UserInfo;
  attributes: RequestAttributes;
  dryRun: boolean;
  /** Sends a warning with the response (Kubernetes' Warning header). */
  warn(text: string): void;
  /** Notes for the audit record (Kubernetes' audit annotations). */
  auditAnnotations: Record<string, string>;
}

export interface AdmissionPlugin {
  /** kube-apiserver's plugin name ("NamespaceLifecycle"). */
  readonly name: string;
  /** Mutating phase: may change `req.object`; throws to refuse. */
  admit?(req: AdmissionRequest): void | Promise<void>;
  /** Validating phase: throws to refuse. */
  validate?(req: AdmissionRequest): void | Promise<void>;
  /** Validating around the write: calls `write` at most once and returns its result. */
  around?<R>(req: AdmissionRequest, write: () => Promise<R>): Promise<R>;
}

/** Every plugin Kite has, in the order kube-apiserver runs them. */
export const ADMISSION_PLUGINS = ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'PodSecurity', 'Priority', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'RBACEscalation', 'ResourceQuota'] as const;
export type AdmissionPluginName = (typeof ADMISSION_PLUGINS)[number];

/**
 * Plugins that cannot be turned off: escalation prevention is part of RBAC in Kubernetes (its
 * storage refuses escalating roles and bindings), not an optional plugin.
 */
const REQUIRED: readonly AdmissionPluginName[] = ['RBACEscalation'];

/**
 * The plugins that run: all of Kite's by default (they are kube-apiserver's defaults plus
 * NodeRestriction, which kubeadm enables), plus `enable`, minus `disable`, as the flags do.
 * Unknown names and disabling a required plugin are errors.
 */
export function selectAdmissionPlugins(enable: readonly string[] = [], disable: readonly string[] = []): AdmissionPluginName[] {
  const known = (name: string): AdmissionPluginName => {
    if (!(ADMISSION_PLUGINS as readonly string[]).includes(name)) {
      throw new Error(`unknown admission plugin "${name}" (known: ${ADMISSION_PLUGINS.join(', ')})`);
    }
    return name as AdmissionPluginName;
  };
  const on = new Set<AdmissionPluginName>(ADMISSION_PLUGINS);
  for (const name of enable) on.add(known(name));
  for (const name of disable) {
    const n = known(name);
    if (enable.includes(n)) throw new Error(`admission plugin "${n}" is both enabled and disabled`);
    if (REQUIRED.includes(n)) throw new Error(`admission plugin "${n}" cannot be disabled`);
    on.delete(n);
  }
  return ADMISSION_PLUGINS.filter((n) => on.has(n));
}

export class AdmissionChain {
  /** `plugins` in any order; they run in ADMISSION_PLUGINS order. */
  constructor(readonly plugins: readonly AdmissionPlugin[]) {
    const rank = (p: AdmissionPlugin) => (ADMISSION_PLUGINS as readonly string[]).indexOf(p.name);
    for (const p of plugins) if (rank(p) < 0) throw new Error(`unknown admission plugin "${p.name}"`);
    this.plugins = [...plugins].sort((a, b) => rank(a) - rank(b));
  }

  get names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /** Mutating, then validating plugins; then `write` wrapped by the plugins that wrap it. */
  async run<R>(req: AdmissionRequest, write: () => Promise<R>): Promise<R> {
    for (const p of this.plugins) await p.admit?.(req);
    for (const p of this.plugins) await p.validate?.(req);
    const wrapped = this.plugins.reduceRight<() => Promise<R>>((next, p) => (p.around ? () => p.around!(req, next) : next), write);
    return wrapped();
  }
}
