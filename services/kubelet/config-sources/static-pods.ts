// Static pods: pods the kubelet reads from manifest files rather than from the API (Kubernetes'
// pkg/kubelet/config common.go applyDefaults and pkg/kubelet/types' pod annotations), and their
// mirror pods, the API objects that show them (pkg/kubelet/pod mirror_client.go). A static pod's
// uid is the md5 of its defaulted manifest, the node and the file, so an unchanged file keeps its
// containers across kubelet restarts and a changed one makes a new pod.
import { createHash } from 'node:crypto';
import { Pods } from '../../../lib/api/kinds';
import { decodeKube } from '../../../lib/api/kube-json';
import { parseDocuments } from '../../../lib/api/manifest';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { InvalidError } from '../../../lib/api/errors';
import { defaultPodSpec } from '../../apiserver/registry/defaults';
import { MIRROR_POD_ANNOTATION } from '../../apiserver/admission/service-account';
import { validatePod } from '../../apiserver/registry/validation/validation';

export { MIRROR_POD_ANNOTATION };
/** Where the pod came from: "file" for manifests, "api" for the apiserver (Kubernetes' ConfigSourceAnnotationKey). */
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
/** The static pod's hash, which is also its uid (ConfigHashAnnotationKey). */
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
/** When the kubelet first saw the pod (ConfigFirstSeenAnnotationKey). */
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';
export const FILE_SOURCE = 'file';

export function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata?.annotations[CONFIG_SOURCE_ANNOTATION];
  return source !== undefined && source !== 'api';
}

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations[MIRROR_POD_ANNOTATION] !== undefined;
}

/** namespace/name, the key a static pod and its mirror pod share. */
export function fullName(pod: Pod): string {
  return `${pod.metadata!.namespace}/${pod.metadata!.name}`;
}

/** Go's time.RFC3339Nano: fractional seconds without trailing zeros. */
function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/** A manifest that is not one valid Pod, with the reason the kubelet logs. */
export class StaticPodError extends Error {
  override name = 'StaticPodError';
}

/**
 * One manifest file's Pod as the kubelet runs it: defaulted as the apiserver would, then named
 * `<name>-<node>`, in `default` unless the manifest says otherwise, bound to the node, tolerating
 * every NoExecute taint, with its hash as uid and the config.hash/config.source/config.seen
 * annotations. Throws StaticPodError for anything but one valid v1 Pod.
 */
export function staticPodFromManifest(text: string, file: string, nodeName: string, seen: Date = new Date()): Pod {
  let pod: Pod;
  try {
    const docs = parseDocuments(text, file);
    if (docs.length !== 1) throw new StaticPodError(`${file}: want one Pod per file, found ${docs.length} documents`);
    const doc = docs[0];
    if (doc.apiVersion !== 'v1' || doc.kind !== 'Pod') throw new StaticPodError(`${file}: couldn't parse as pod (kind ${String(doc.kind)}, apiVersion ${String(doc.apiVersion)}), please check config file`);
    pod = decodeKube(Pods, doc, 'Ignore').object;
  } catch (err) {
    if (err instanceof StaticPodError) throw err;
    throw new StaticPodError(`${file}: couldn't parse as pod(${(err as Error).message}), please check config file`);
  }
  const meta = pod.metadata!;
  const spec = pod.spec!;
  defaultPodSpec(spec);
  if (!meta.uid) {
    const hasher = createHash('md5');
    hasher.update(JSON.stringify(Pod.toJSON(pod)));
    hasher.update(`host:${nodeName}`);
    hasher.update(`file:${file}`);
    meta.uid = hasher.digest('hex');
  }
  meta.name = `${meta.name}-${nodeName.toLowerCase()}`;
  meta.namespace ||= 'default';
  spec.nodeName = nodeName;
  meta.annotations[CONFIG_HASH_ANNOTATION] = meta.uid;
  meta.annotations[CONFIG_SOURCE_ANNOTATION] = FILE_SOURCE;
  meta.annotations[CONFIG_SEEN_ANNOTATION] = rfc3339Nano(seen);
  // Static pods are not evicted when the node has problems.
  if (!spec.tolerations.some((t) => t.operator === 'Exists' && !t.key && t.effect === 'NoExecute')) {
    spec.tolerations.push({ key: '', operator: 'Exists', value: '', effect: 'NoExecute' });
  }
  pod.status = { ...pod.status!, phase: 'Pending' };
  const causes = validatePod(pod);
  if (causes.length > 0) throw new StaticPodError(`${file}: invalid pod: ${InvalidError.of(`Pod "${meta.name}"`, causes).message}`);
  return pod;
}

/**
 * The mirror pod the kubelet creates for a static pod: its copy with the config.mirror annotation
 * (the static pod's hash), controlled by the Node, without uid, resourceVersion or status (the
 * apiserver gives it its own).
 */
export function mirrorPodFor(staticPod: Pod, node: { name: string; uid: string }): Pod {
  const copy = Pod.fromJSON(Pod.toJSON(staticPod));
  const meta = copy.metadata!;
  meta.uid = '';
  meta.resourceVersion = '';
  meta.annotations[MIRROR_POD_ANNOTATION] = staticPod.metadata!.annotations[CONFIG_HASH_ANNOTATION] ?? '';
  meta.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }];
  copy.status = undefined;
  return copy;
}

/** Whether `mirror` shows this version of the static pod (Kubernetes' IsMirrorPodOf). */
export function isMirrorPodOf(mirror: Pod, staticPod: Pod): boolean {
  return mirror.metadata!.annotations[MIRROR_POD_ANNOTATION] === staticPod.metadata!.annotations[CONFIG_HASH_ANNOTATION];
}
