// Turns a registry into the gRPC service of its kind (<Kind>Service): one handler per verb of the
// contract (deletecollection included), plus the subresources (pods/binding, pods/eviction, scale,
// serviceaccounts/token). Errors become gRPC
// statuses through panic-recovery.ts, so no call can end the process.
import { Metadata } from '@grpc/grpc-js';
import type { Server, ServerDuplexStream, ServerUnaryCall, ServerWritableStream, ServiceDefinition, sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
import { BadRequestError, ConflictError, InvalidError } from '../../../lib/api/errors';
import type { KindInfo, KubeObject, Verb } from '../../../lib/api/kinds';
import type { FieldValidation } from '../../../lib/api/kube-json';
import { selectorFromLabelSelector } from '../../../lib/api/selectors';
import type { ExecPodRequest, ExecPodResponse, PodLogChunk, PodLogsRequest, PortForwardPodRequest, PortForwardPodResponse } from '../../../lib/gen/kite/core/v1/services';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { ObjectMeta, Scale } from '../../../lib/gen/kite/meta/v1/meta';
import { applyPatch } from '../../../lib/api/patch';
import { APPLY_PATCH_TYPE, managedFieldsAfterUpdate, managerOrUserAgent, validatePatchOptions } from '../../../lib/api/managed-fields';
import { rfc3339 } from '../../../lib/util/time';
import { podAttachAttributes, podExecAttributes, podLogsAttributes, podPortForwardAttributes } from '../auth/request-attributes';
import type { RequestContext, RequestGate } from '../auth/request-gate';
import type { TokenRequests } from '../auth/serviceaccount/token-request';
import { warningMetadata } from '../../../lib/api/warnings';
import { evictPod } from '../registry/pod-eviction';
import type { Registry } from '../registry/registry';
import { storedEncoding } from '../registry/stored-encoding';
import { answerUnary, startStream } from '../../../lib/grpc/panic-recovery';
import { loopSlices } from '../../../lib/util/loop-slices';
import { withinCallDeadline } from './call-deadline';
import { proxyExecPod, proxyPodLogs, proxyPortForwardPod, type KubeletDialer } from './pod-streams';
import { serveWatch, type WatchStreamOptions } from './watch-stream';

/** Observes every call (metrics, audit): method, gRPC code, seconds taken. */
export type CallObserver = (method: string, code: number, seconds: number) => void;

/** `trailer`: the trailing metadata the call's answer carries. */
type Handler = (req: any, call: ServerUnaryCall<any, any>, ctx: RequestContext, trailer: Metadata) => Promise<unknown>;

/**
 * Trailing metadata of a Patch whose apply patch created the object (set to "true"): the HTTP
 * front door answers it 201 Created, as Kubernetes' patcher answers an apply that created.
 */
export const CREATED_TRAILER = 'kite-created';

/**
 * Request metadata of a Patch: the fieldValidation (Strict, Warn, Ignore) for the unknown fields a
 * JSON patch writes (Ignore when absent); Warn's warnings come in the trailing metadata.
 */
export const FIELD_VALIDATION_METADATA = 'kite-field-validation';

function fieldValidationOf(call: ServerUnaryCall<any, any>): FieldValidation | undefined {
  const v = call.metadata.get(FIELD_VALIDATION_METADATA)[0];
  if (v === undefined) return undefined;
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw new BadRequestError(`fieldValidation parameter unsupported: ${String(v)}`);
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
/** dryRun as Kubernetes accepts it: empty, or ["All"]. */
function isDryRun(d: string[] | undefined): boolean {
  const bad = (d ?? []).find((v) => v !== 'All');
  if (bad !== undefined) throw new BadRequestError(`dryRun: Unsupported value: "${bad}": supported values: "All"`);
  return (d ?? []).length > 0;
}

/**
 * A unary call's handler. It starts in an event-loop slice of its own (lib/util/loop-slices.ts):
 * the calls one socket read delivers are served one after another with timers and I/O in
 * between, not all in the turn that read them.
 */
function unary(gate: RequestGate, kind: KindInfo<any>, rpc: string, fn: Handler, observe: CallObserver, boundStorageCalls: boolean, asCreate?: (req: any, call: ServerUnaryCall<any, any>) => Promise<unknown>) {
  const method = `${kind.serviceName}/${rpc}`;
  const serve = (call: ServerUnaryCall<any, any>, run: () => Promise<unknown>) => (boundStorageCalls ? withinCallDeadline(call.getDeadline(), run) : run());
  return (call: ServerUnaryCall<any, any>, callback: sendUnaryData<any>) => {
    const start = process.hrtime.bigint();
    const creation = asCreate && ((req: any) => asCreate(req, call));
    const trailer = new Metadata();
    const answer: sendUnaryData<any> = (err, value) => (err ? callback(err) : callback(null, value, trailer));
    loopSlices.run(() =>
      answerUnary(method, answer, () => serve(call, () => gate.serveResource(call, kind, rpc, (ctx) => fn(call.request, call, ctx, trailer), creation)), (code) =>
        observe(method, code, Number(process.hrtime.bigint() - start) / 1e9),
      ),
    );
  };
}

/** The autoscaling/v1 Scale of an object with a scale subresource. */
export function toScale(obj: KubeObject): Scale {
  const m = obj.metadata!;
  let selector = '';
  try {
    selector = selectorFromLabelSelector(obj.spec?.selector).toString();
  } catch {
    selector = '';
  }
  // Kubernetes' scaleFrom<Kind>: of the object's metadata only these five.
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: ObjectMeta.fromPartial({ name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp }),
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector },
  };
}

/** How a kind's service serves its calls. */
export interface ResourceServiceOptions extends WatchStreamOptions {
  /**
   * Bound each unary call's storage calls by the call's deadline (grpc/call-deadline.ts). Only a
   * store reached over the network needs it (etcd); it costs every call an AsyncLocalStorage
   * context, and with it Node 20's promise hooks on every promise of the process.
   */
  boundStorageCalls: boolean;
}

export function resourceService<T extends KubeObject>(
  registry: Registry<T>,
  watchOpts: ResourceServiceOptions,
  observe: CallObserver,
  watchers: { open: number },
  gate: RequestGate,
  /** Reaches kubelets for pods/log and pods/exec (PodService only). */
  dialer?: KubeletDialer,
  /** Issues bound tokens (serviceaccounts/token: ServiceAccountService only). */
  tokenRequests?: TokenRequests,
  /** The PodDisruptionBudgets pods/eviction checks and decrements (PodService only). */
  disruptionBudgets?: Registry<PodDisruptionBudget>,
): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } {
  const kind = registry.kind;
  const field = kind.requestField;
  /** The field manager a write is recorded for: the request's, else its User-Agent's. */
  const managerOf = (r: any, call: ServerUnaryCall<any, any>, options: string) => managerOrUserAgent(r.fieldManager ?? '', gate.userAgent(call), options);
  const patchObject = (r: any, call: ServerUnaryCall<any, any>, trailer: Metadata) => {
    validatePatchOptions(r.patchType, r.fieldManager ?? '', r.force);
    const hooks = {
      fieldValidation: fieldValidationOf(call),
      warn: (texts: string[]) => trailer.merge(warningMetadata(texts)),
      created: () => trailer.set(CREATED_TRAILER, 'true'),
    };
    return registry.patch(r.namespace, r.name, r.patchType, r.patch, r.subresource, isDryRun(r.dryRun), managerOf(r, call, 'PatchOptions'), r.force ?? false, r[field], hooks);
  };
  /** An apply patch of an object that does not exist: the object it creates, for admission to admit as a create. */
  const applyCreation = async (r: any, call: ServerUnaryCall<any, any>) => {
    if (r.patchType !== APPLY_PATCH_TYPE || r.subresource) return undefined;
    validatePatchOptions(r.patchType, r.fieldManager ?? '', r.force);
    return registry.applyCreation(r.namespace, r.name, r.patch, managerOf(r, call, 'PatchOptions'));
  };
  // Creates, updates and the subresources' writes hand their objects over to the watch cache
  // (Registry.create's handOver): the request's object and the reply are this call's only.
  const handlers: Partial<Record<Verb, Handler>> = {
    create: (r, call) => registry.create(r.namespace, r[field], isDryRun(r.dryRun), managerOf(r, call, 'CreateOptions'), true),
    get: (r) => registry.get(r.namespace, r.name, r.resourceVersion),
    list: (r) => registry.list(r),
    update: (r, call) => registry.update(r[field], isDryRun(r.dryRun), managerOf(r, call, 'UpdateOptions'), true),
    patch: (r, call, _ctx, trailer) => patchObject(r, call, trailer),
    delete: (r) =>
      registry.delete(r.namespace, r.name, {
        gracePeriodSeconds: r.gracePeriodSeconds,
        preconditions: r.preconditions,
        propagationPolicy: r.propagationPolicy,
        dryRun: isDryRun(r.dryRun),
      }),
    // Each object passes admission as its own delete (Kubernetes' deletecollection).
    deleteCollection: (r, _call, ctx) => {
      const options = { gracePeriodSeconds: r.gracePeriodSeconds, propagationPolicy: r.propagationPolicy, dryRun: isDryRun(r.dryRun) };
      return registry.deleteCollection(r, options, (obj) => gate.admitDelete(ctx, kind, { ...options, dryRun: r.dryRun }, obj));
    },
  };
  if (kind.methods.evict) {
    handlers.evict = (r) =>
      evictPod(registry as unknown as Registry<Pod>, { namespace: r.namespace, name: r.name, gracePeriodSeconds: r.gracePeriodSeconds, preconditions: r.preconditions, dryRun: isDryRun(r.dryRun) }, disruptionBudgets);
  }
  if (kind.methods.updateStatus) handlers.updateStatus = (r, call) => registry.updateStatus(r[field], false, managerOf(r, call, 'UpdateOptions'), true);
  if (kind.methods.bind) handlers.bind = (r) => bindPod(registry as unknown as Registry<Pod>, r);
  if (kind.methods.createToken && tokenRequests) {
    handlers.createToken = (r, call) => {
      // dryRun is checked but changes nothing: Kubernetes' TokenREST issues the token either way.
      isDryRun(r.dryRun);
      return tokenRequests.create(r, (text) => call.sendMetadata(warningMetadata([text])));
    };
  }
  if (kind.hasScale) {
    /** Writes a Scale's replicas into the object (pinned to the Scale's resourceVersion when it has one). */
    const writeScale = async (namespace: string, name: string, scale: Scale | undefined, manager: string, dryRun = false): Promise<T> => {
      const replicas = scale?.spec?.replicas ?? 0;
      if (replicas < 0) {
        throw InvalidError.of(`Scale "${name}"`, [{ field: 'spec.replicas', message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
      }
      const pinned = !!scale?.metadata?.resourceVersion;
      const ns = namespace || 'default';
      const conflict = (cur: T) => {
        if (pinned && scale!.metadata!.resourceVersion !== cur.metadata!.resourceVersion) {
          throw new ConflictError(`Operation cannot be fulfilled on ${kind.resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
      };
      if (dryRun) {
        const cur = await registry.get(ns, name);
        conflict(cur);
        return { ...cur, spec: { ...cur.spec, replicas } };
      }
      return registry.guaranteedUpdate(
        ns,
        name,
        (cur) => {
          conflict(cur);
          if (cur.spec.replicas === replicas) return undefined;
          const next = { ...cur, spec: { ...cur.spec, replicas } };
          next.metadata = { ...cur.metadata!, generation: cur.metadata!.generation + 1, managedFields: managedFieldsAfterUpdate(kind, cur, next, manager, 'scale') };
          return next;
        },
        pinned,
        true,
      );
    };
    handlers.getScale = async (r) => toScale(await registry.get(r.namespace, r.name));
    handlers.updateScale = async (r, call) => toScale(await writeScale(r.namespace, r.name, r.scale as Scale | undefined, managerOf(r, call, 'UpdateOptions')));
    // A patch of the scale subresource applies to the Scale and answers with the object (PatchDeployment's reply type).
    handlers.patch = async (r, call, _ctx, trailer) => {
      if (r.subresource !== 'scale') return patchObject(r, call, trailer);
      validatePatchOptions(r.patchType, r.fieldManager ?? '', r.force);
      const scale = Scale.fromJSON(applyPatch(Scale.toJSON(toScale(await registry.get(r.namespace, r.name))), r.patchType, r.patch));
      return writeScale(r.namespace, r.name, scale, managerOf(r, call, 'PatchOptions'), isDryRun(r.dryRun));
    };
  }

  const implementation: UntypedServiceImplementation = {};
  const definition: Record<string, ServiceDefinition[string]> = { ...gate.strictDefinition(kind.service) };
  for (const [verb, fn] of Object.entries(handlers) as [Verb, Handler][]) {
    const rpc = kind.methods[verb];
    const key = rpc && lowerFirst(rpc);
    if (!key || !definition[key]) throw new Error(`${kind.serviceName} has no ${verb} method`);
    implementation[key] = unary(gate, kind, rpc, fn, observe, watchOpts.boundStorageCalls, verb === 'patch' ? applyCreation : undefined);
    // A reply that is a stored object is its stored bytes with its resourceVersion, not a new encoding.
    const serialize = definition[key].responseSerialize;
    definition[key] = { ...definition[key], responseSerialize: (v: unknown) => storedEncoding(kind, v) ?? serialize(v) };
  }

  // Watch events are encoded once in the watch cache and written as bytes to every watcher.
  const watchRpc = kind.methods.watch!;
  const watchKey = lowerFirst(watchRpc);
  const watchDef = definition[watchKey];
  definition[watchKey] = {
    ...watchDef,
    responseSerialize: (v: Buffer | unknown) => (Buffer.isBuffer(v) ? v : Buffer.from(kind.watchEvent.encode(v as never).finish())),
  };
  implementation[watchKey] = (call: ServerWritableStream<any, Buffer>) => {
    const start = process.hrtime.bigint();
    const method = `${kind.serviceName}/${watchRpc}`;
    const finished = (code: number) => observe(method, code, Number(process.hrtime.bigint() - start) / 1e9);
    startStream(
      method,
      call,
      async () => {
        await gate.admitWatch(call, kind);
        if (call.cancelled) return;
        // The response headers tell the caller the watch is admitted before any event (the HTTP front door starts its reply on them).
        call.sendMetadata(new Metadata());
        watchers.open++;
        serveWatch(method, registry, call, watchOpts, () => {
          watchers.open--;
          finished(0);
        });
      },
      finished,
    );
  };
  const { logs, exec } = kind.methods;
  if (logs && exec && dialer) {
    const logsMethod = `${kind.serviceName}/${logs}`;
    const execMethod = `${kind.serviceName}/${exec}`;
    implementation[lowerFirst(logs)] = (call: ServerWritableStream<PodLogsRequest, PodLogChunk>) =>
      startStream(logsMethod, call, async () => {
        await gate.admitStream(call, kind, logs, podLogsAttributes);
        await proxyPodLogs(logsMethod, dialer, call);
      });
    implementation[lowerFirst(exec)] = (call: ServerDuplexStream<ExecPodRequest, ExecPodResponse>) =>
      startStream(execMethod, call, () => proxyExecPod(execMethod, dialer, call, (first) => gate.admitStream(call, kind, exec, podExecAttributes, first)));
  }
  const { attach } = kind.methods;
  if (attach && dialer) {
    const attachMethod = `${kind.serviceName}/${attach}`;
    implementation[lowerFirst(attach)] = (call: ServerDuplexStream<ExecPodRequest, ExecPodResponse>) =>
      startStream(attachMethod, call, () => proxyExecPod(attachMethod, dialer, call, (first) => gate.admitStream(call, kind, attach, podAttachAttributes, first), 'attach'));
  }
  const { portForward } = kind.methods;
  if (portForward && dialer) {
    const portForwardMethod = `${kind.serviceName}/${portForward}`;
    implementation[lowerFirst(portForward)] = (call: ServerDuplexStream<PortForwardPodRequest, PortForwardPodResponse>) =>
      startStream(portForwardMethod, call, () => proxyPortForwardPod(portForwardMethod, dialer, call, (first) => gate.admitStream(call, kind, portForward, podPortForwardAttributes, first)));
  }
  return { definition: definition as ServiceDefinition, implementation };
}

async function bindPod(registry: Registry<Pod>, r: { namespace: string; name: string; target?: { kind: string; name: string }; uid: string }): Promise<Pod> {
  const node = r.target?.name;
  if (!node) throw new BadRequestError('binding target (the node) is required: target.name');
  if (r.target?.kind && r.target.kind !== 'Node') throw new BadRequestError(`binding target must be a Node, not ${r.target.kind}`);
  return registry.guaranteedUpdate(r.namespace || 'default', r.name, (pod) => {
    if (r.uid && pod.metadata!.uid !== r.uid) {
      throw new ConflictError(`Precondition failed: UID in precondition: ${r.uid}, UID in object meta: ${pod.metadata!.uid}`);
    }
    if (pod.metadata!.deletionTimestamp) throw new ConflictError(`pod ${r.name} is being deleted, cannot be assigned to a host`);
    if (pod.spec!.nodeName) throw new ConflictError(`pod ${r.name} is already assigned to node "${pod.spec!.nodeName}"`);
    if (pod.spec!.schedulingGates.length > 0) throw new ConflictError(`pod ${r.name} has non-empty .spec.schedulingGates`);
    pod.spec!.nodeName = node;
    const status = pod.status!;
    const now = rfc3339();
    const cond = { type: 'PodScheduled', status: 'True', lastProbeTime: '', lastTransitionTime: now, reason: '', message: '' };
    const i = status.conditions.findIndex((c) => c.type === 'PodScheduled');
    if (i >= 0) status.conditions[i] = cond;
    else status.conditions.push(cond);
    return pod;
  }, false, true);
}

export function addResourceService(server: Server, svc: ReturnType<typeof resourceService>): void {
  server.addService(svc.definition, svc.implementation);
}
