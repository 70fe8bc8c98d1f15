// Raw calls for security tests: any method of the access-review service with the client's
// credentials and optional impersonation metadata.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { extraEntry } from '../../../services/apiserver/auth/authn/impersonation';
import {
  AuthorizationServiceService,
  CreateSelfSubjectAccessReviewRequest,
  type SelfSubjectAccessReview,
  type UserInfo,
} from '../../../lib/gen/kite/authorization/v1/authorization';

/** Whom to impersonate: Kubernetes' Impersonate-User, -Group, -Uid and -Extra-<key> as gRPC metadata. */
export interface Impersonation {
  user: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

function metadata(c: Clientset, as?: Impersonation): Metadata {
  const md = new Metadata();
  if (c.config.token) md.set('authorization', `Bearer ${c.config.token}`);
  if (as) {
    md.set('impersonate-user', as.user);
    for (const g of as.groups ?? []) md.add('impersonate-group', g);
    if (as.uid !== undefined) md.set('impersonate-uid', as.uid);
    for (const [key, values] of Object.entries(as.extra ?? {})) for (const v of values) md.add('impersonate-extra', extraEntry(key, v));
  }
  return md;
}

function unary<Req, Res>(c: Clientset, def: { path: string; requestSerialize: (r: Req) => Buffer; responseDeserialize: (b: Buffer) => Res }, req: Req, md: Metadata): Promise<Res> {
  return new Promise((resolve, reject) =>
    c.grpc.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, req, md, { deadline: Date.now() + 10_000 }, (err: ServiceError | null, res?: Res) =>
      err ? reject(fromServiceError(err)) : resolve(res!),
    ),
  );
}

export async function whoAmI(c: Clientset, as?: Impersonation): Promise<UserInfo> {
  const r = await unary(c, AuthorizationServiceService.createSelfSubjectReview, {}, metadata(c, as));
  return r.status!.userInfo!;
}

export function accessReview(
  c: Clientset,
  attrs: { verb: string; resource: string; group?: string; subresource?: string; namespace?: string; name?: string },
  as?: { user: string; groups?: string[] },
): Promise<SelfSubjectAccessReview> {
  const req = CreateSelfSubjectAccessReviewRequest.fromPartial({
    selfSubjectAccessReview: { spec: { resourceAttributes: { group: '', version: '', subresource: '', namespace: '', name: '', ...attrs } } },
  });
  return unary(c, AuthorizationServiceService.createSelfSubjectAccessReview, req, metadata(c, as));
}
