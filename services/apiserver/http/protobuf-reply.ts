// Content negotiation for Kubernetes' protobuf (k8s.io/apiserver's negotiation): a client whose
// Accept allows JSON gets JSON, which client-go decodes by the response's Content-Type whatever it
// asked first (kubectl sends `application/vnd.kubernetes.protobuf,application/json`); one that
// accepts only protobuf gets the object, list or Status in Kubernetes' protobuf encoding, and a
// watch as Kubernetes' length-delimited protobuf WatchEvent frames.
import { encodeProtobuf, PROTOBUF_MEDIA_TYPE, protobufTypeOf } from '../../../lib/api/k8s-protobuf';
import { acceptsPlainJson, parseAccept } from './discovery/accept';

/** The protobuf body for a JSON reply when the client accepts protobuf and not JSON, else undefined. */
export function protobufReply(accept: string | undefined, value: unknown): Buffer | undefined {
  if (acceptsPlainJson(accept) || !parseAccept(accept).some((m) => m.type === PROTOBUF_MEDIA_TYPE && !m.params.stream)) return undefined;
  const v = value as { kind?: unknown; apiVersion?: unknown } | null;
  if (typeof v?.kind !== 'string' || typeof v.apiVersion !== 'string' || !protobufTypeOf(v.apiVersion, v.kind)) return undefined;
  return encodeProtobuf(v as Record<string, unknown>);
}

/** Whether a watch streams protobuf frames: the client accepts protobuf (`;stream=watch` or not) and not JSON. */
export function protobufWatch(accept: string | undefined): boolean {
  return !acceptsPlainJson(accept) && parseAccept(accept).some((m) => m.type === PROTOBUF_MEDIA_TYPE && !m.params.as && (!m.params.stream || m.params.stream === 'watch'));
}
