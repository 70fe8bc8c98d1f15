// API versions the HTTP front door serves by conversion, beside the one each kind is stored in
// (Kubernetes serves several versions of a group and converts between them): a request to such a
// version has its body converted to the stored version before decoding, and its answers converted
// back after encoding. Kite has one: autoscaling/v1 HorizontalPodAutoscalers (lib/api/autoscaling-v1.ts),
// which kubectl autoscale creates.
import { AUTOSCALING_V1, horizontalPodAutoscalerV1ToV2, horizontalPodAutoscalerV2ToV1 } from '../../../lib/api/autoscaling-v1';
import { HorizontalPodAutoscalers, type KindInfo, type KubeList, type KubeObject } from '../../../lib/api/kinds';
import { decodeKube, encodeKube, encodeKubeList, type FieldValidation } from '../../../lib/api/kube-json';
import type { ExpectedKind } from './request-body';

type Json = Record<string, any>;

export interface ConvertedVersion {
  kind: KindInfo<any>;
  /** "autoscaling/v1". */
  apiVersion: string;
  toStored(doc: Json): Json;
  fromStored(doc: Json): Json;
}

export const CONVERTED_VERSIONS: readonly ConvertedVersion[] = [
  { kind: HorizontalPodAutoscalers, apiVersion: AUTOSCALING_V1, toStored: horizontalPodAutoscalerV1ToV2, fromStored: horizontalPodAutoscalerV2ToV1 },
];

/** The converted version a request's group, version and resource name, if any. */
export function convertedVersionOf(apiVersion: string, resource: string): ConvertedVersion | undefined {
  return CONVERTED_VERSIONS.find((c) => c.apiVersion === apiVersion && c.kind.resource === resource);
}

/** How a request's objects are read and written: in the stored version, or in a converted one. */
export interface VersionCodec<T extends KubeObject = KubeObject> {
  /** What a protobuf body must be. */
  expected: ExpectedKind;
  decode(body: unknown, validation: FieldValidation): { object: T; warnings: string[] };
  encode(obj: T): Json;
  encodeList(list: KubeList<T>): Json;
}

export function versionCodec<T extends KubeObject>(kind: KindInfo<T>, converted?: ConvertedVersion): VersionCodec<T> {
  if (!converted) {
    return { expected: kind, decode: (body, v) => decodeKube(kind, body, v), encode: (o) => encodeKube(kind, o), encodeList: (l) => encodeKubeList(kind, l) };
  }
  const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
  return {
    expected: { kind: kind.kind, apiVersion: converted.apiVersion },
    decode: (body, v) => decodeKube(kind, isJson(body) ? converted.toStored(body) : body, v),
    encode: (o) => converted.fromStored(encodeKube(kind, o)),
    encodeList: (l) => {
      const list = encodeKubeList(kind, l);
      // Items carry no kind or apiVersion in a typed list.
      const items = (list.items as Json[]).map((i) => {
        const item = converted.fromStored(i);
        delete item.apiVersion;
        return item;
      });
      return { ...list, apiVersion: converted.apiVersion, items };
    },
  };
}
