// API versions the HTTP front door serves by conversion, beside the one each kind is stored in
// (Kubernetes serves several versions of a group and converts between them): a request to such a
// version has its body converted to the stored version before decoding, and its answers converted
// back after encoding; an update's body is converted over the current object (what the version
// cannot express comes back from the annotations Kubernetes' round trip writes). A patch is
// applied to the object in the request's version, as Kubernetes' patcher applies it: the current
// object read in that version, patched, converted back over the current one and sent to the registry as the JSON merge patch between the two (so it is
// authorized, admitted, validated and recorded by managedFields as a patch); a server-side apply's
// configuration is converted. Kite has one: autoscaling/v1 HorizontalPodAutoscalers
// (lib/api/autoscaling-v1.ts), which kubectl autoscale creates.
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { AUTOSCALING_V1, horizontalPodAutoscalerV1OntoV2, horizontalPodAutoscalerV1ToV2, horizontalPodAutoscalerV2ToV1 } from '../../../lib/api/autoscaling-v1';
import { BadRequestError } from '../../../lib/api/errors';
import { HorizontalPodAutoscalers, type KindInfo, type KubeList, type KubeObject } from '../../../lib/api/kinds';
import { decodeKube, encodeKube, encodeKubeList, type FieldValidation } from '../../../lib/api/kube-json';
import { APPLY_PATCH_TYPE } from '../../../lib/api/managed-fields';
import { applyPatch } from '../../../lib/api/patch';
import type { ExpectedKind } from './request-body';

type Json = Record<string, any>;

export interface ConvertedVersion {
  kind: KindInfo<any>;
  /** "autoscaling/v1". */
  apiVersion: string;
  toStored(doc: Json): Json;
  fromStored(doc: Json): Json;
  /** An object of this version (the current stored object read in it, changed) as stored. */
  ontoStored(doc: Json, current: Json): Json;
}

export const CONVERTED_VERSIONS: readonly ConvertedVersion[] = [
  { kind: HorizontalPodAutoscalers, apiVersion: AUTOSCALING_V1, toStored: horizontalPodAutoscalerV1ToV2, fromStored: horizontalPodAutoscalerV2ToV1, ontoStored: horizontalPodAutoscalerV1OntoV2 },
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
  /** A body of this version as the stored object written over the current one (read with `current`), when the version is converted. */
  decodeOver?(body: unknown, validation: FieldValidation, current: () => Promise<T>): Promise<{ object: T; warnings: string[] }>;
  /** A patch of this version as one of the stored object (read with `current`), when the version is converted. */
  convertPatch?(patchType: string, patch: string, validation: FieldValidation, current: () => Promise<T>): Promise<{ patchType: string; patch: string; warnings: string[] }>;
}

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON merge patch (RFC 7386) that makes `from` into `to`: changed members, removed ones as null, lists whole. */
export function mergePatchBetween(from: Json, to: Json): Json {
  const patch: Json = {};
  for (const [k, v] of Object.entries(to)) {
    if (isDeepStrictEqual(from[k], v)) continue;
    patch[k] = isJson(from[k]) && isJson(v) ? mergePatchBetween(from[k], v) : v;
  }
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  return patch;
}

/** The converted version's patch as a patch of the stored object (see the header). */
async function convertPatch<T extends KubeObject>(kind: KindInfo<T>, converted: ConvertedVersion, patchType: string, patch: string, validation: FieldValidation, current: () => Promise<T>) {
  if (patchType === APPLY_PATCH_TYPE) {
    // Checked as the registry checks an apply configuration, against this version.
    let config: unknown;
    try {
      config = parseYaml(patch);
    } catch (err) {
      throw new BadRequestError(`error decoding YAML: ${(err as Error).message}`);
    }
    if (!isJson(config)) throw new BadRequestError('the apply patch must be an object of the kind it is applied to');
    if (config.apiVersion !== converted.apiVersion) {
      throw new BadRequestError(`the API version in the data (${String(config.apiVersion ?? '')}) does not match the expected API version (${converted.apiVersion})`);
    }
    return { patchType, patch: JSON.stringify(converted.toStored(config)), warnings: [] };
  }
  const stored = encodeKube(kind, await current());
  const patched = applyPatch(converted.fromStored(stored), patchType, patch, kind);
  if (!isJson(patched)) throw new BadRequestError('the patched object is not an object');
  const next = converted.ontoStored(patched, stored);
  // Decoded as the registry decodes a written object: wrong types refused, unknown fields as `validation` says.
  const { warnings } = decodeKube(kind, next, validation);
  return { patchType: 'application/merge-patch+json', patch: JSON.stringify(mergePatchBetween(stored, next)), warnings };
}

export function versionCodec<T extends KubeObject>(kind: KindInfo<T>, converted?: ConvertedVersion): VersionCodec<T> {
  if (!converted) {
    return { expected: kind, decode: (body, v) => decodeKube(kind, body, v), encode: (o) => encodeKube(kind, o), encodeList: (l) => encodeKubeList(kind, l) };
  }
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
    decodeOver: async (body, v, current) => decodeKube(kind, isJson(body) ? converted.ontoStored(body, encodeKube(kind, await current())) : body, v),
    convertPatch: (patchType, patch, validation, current) => convertPatch(kind, converted, patchType, patch, validation, current),
  };
}
