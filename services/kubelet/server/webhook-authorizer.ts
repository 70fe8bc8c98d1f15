// --authorization-mode Webhook: the kubelet asks the apiserver whether a caller may do what it
// asks, with a SubjectAccessReview sent under the kubelet's own identity, and remembers the
// answer for a while (Kubernetes' webhook authorizer, k8s.io/apiserver/plugin/pkg/authorizer/
// webhook, as the kubelet's delegating authorizer uses it). A review that fails is not
// remembered: the next call asks again.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import {
  AuthorizationServiceService,
  CreateSubjectAccessReviewRequest,
  type SubjectAccessReview,
  type SubjectAccessReviewSpec,
  type SubjectAccessReviewStatus,
} from '../../../lib/gen/kite/authorization/v1/authorization';
import type { KubeletRequestAttributes } from './auth';
import type { AuthorizationCache } from './authorization-cache';

export interface KubeletAuthorizer {
  /** Whether the caller may; rejects when no answer could be had. */
  authorize(a: KubeletRequestAttributes): Promise<boolean>;
}

/** Sends one SubjectAccessReview and returns its status. */
export type AccessReviewer = (spec: SubjectAccessReviewSpec) => Promise<SubjectAccessReviewStatus>;

/** The review Kubernetes' webhook authorizer sends for a kubelet request. */
export function subjectAccessReviewSpec(a: KubeletRequestAttributes): SubjectAccessReviewSpec {
  return {
    user: a.user.name,
    uid: a.user.uid,
    groups: a.user.groups,
    resourceAttributes: { namespace: '', verb: a.verb, group: '', version: 'v1', resource: a.resource, subresource: a.subresource, name: a.name },
    nonResourceAttributes: undefined,
  };
}

export class WebhookAuthorizer implements KubeletAuthorizer {
  constructor(
    private readonly review: AccessReviewer,
    private readonly cache: AuthorizationCache,
  ) {}

  async authorize(a: KubeletRequestAttributes): Promise<boolean> {
    const spec = subjectAccessReviewSpec(a);
    const key = JSON.stringify(spec);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const allowed = (await this.review(spec)).allowed;
    this.cache.set(key, allowed);
    return allowed;
  }
}

/** Reviews through the apiserver's AuthorizationService with the kubelet's own connection and identity. */
export function apiserverAccessReviewer(client: Clientset, timeoutMs = 10_000): AccessReviewer {
  const def = AuthorizationServiceService.createSubjectAccessReview;
  return (spec) =>
    new Promise((resolve, reject) => {
      const metadata = new Metadata();
      if (client.config.token) metadata.set('authorization', `Bearer ${client.config.token}`);
      const req = CreateSubjectAccessReviewRequest.fromPartial({ subjectAccessReview: { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec } });
      client.grpc.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, req, metadata, { deadline: Date.now() + timeoutMs }, (err: ServiceError | null, res?: SubjectAccessReview) =>
        err ? reject(fromServiceError(err)) : resolve(res?.status ?? { allowed: false, denied: false, reason: '', evaluationError: 'empty review' }),
      );
    });
}
