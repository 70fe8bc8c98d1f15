// The review endpoints (POST-only, nothing stored): authorization.k8s.io's selfsubjectaccessreviews
// (kubectl auth can-i), selfsubjectrulesreviews (kubectl auth can-i --list) and
// subjectaccessreviews, and authentication.k8s.io's selfsubjectreviews
// (kubectl auth whoami), each the AuthorizationService call of the gRPC API, made through the gate.
import { BadRequestError } from '../../../lib/api/errors';
import {
  AuthorizationServiceService,
  SelfSubjectAccessReview,
  SelfSubjectReview,
  SelfSubjectRulesReview,
  SubjectAccessReview,
} from '../../../lib/gen/kite/authorization/v1/authorization';
import type { GateClient, HttpCaller, MethodDef } from './gate-client';
import type { RequestInfo } from './request-info';
import { objectBody, type HttpExchange } from './resource-handler';

interface Review {
  apiVersion: string;
  kind: string;
  method: MethodDef;
  /** The gRPC request for a body. */
  request(body: unknown): unknown;
  toJSON(reply: any): unknown;
}

const REVIEWS: Record<string, Review> = {
  'authorization.k8s.io/selfsubjectaccessreviews': {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    method: AuthorizationServiceService.createSelfSubjectAccessReview,
    request: (body) => ({ selfSubjectAccessReview: SelfSubjectAccessReview.fromJSON(body) }),
    toJSON: (r) => SelfSubjectAccessReview.toJSON(r),
  },
  'authorization.k8s.io/selfsubjectrulesreviews': {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    method: AuthorizationServiceService.createSelfSubjectRulesReview,
    request: (body) => ({ selfSubjectRulesReview: SelfSubjectRulesReview.fromJSON(body) }),
    toJSON: (r) => rulesReviewJSON(SelfSubjectRulesReview.toJSON(r) as JsonRulesReview),
  },
  'authorization.k8s.io/subjectaccessreviews': {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    method: AuthorizationServiceService.createSubjectAccessReview,
    request: (body) => ({ subjectAccessReview: SubjectAccessReview.fromJSON(body) }),
    toJSON: (r) => SubjectAccessReview.toJSON(r),
  },
  'authentication.k8s.io/selfsubjectreviews': {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    method: AuthorizationServiceService.createSelfSubjectReview,
    request: () => ({}),
    toJSON: (r) => SelfSubjectReview.toJSON(r),
  },
};

interface JsonRulesReview {
  status?: { resourceRules?: { verbs?: string[] }[]; nonResourceRules?: { verbs?: string[] }[]; incomplete?: boolean; evaluationError?: string };
}

/** SubjectRulesReviewStatus as Go writes it: the rule lists, incomplete and each rule's verbs even when empty. */
function rulesReviewJSON(r: JsonRulesReview): JsonRulesReview {
  const withVerbs = <T extends { verbs?: string[] }>(rules: T[] = []) => rules.map((rule) => ({ ...rule, verbs: rule.verbs ?? [] }));
  const s = r.status ?? {};
  return { ...r, status: { ...s, resourceRules: withVerbs(s.resourceRules), nonResourceRules: withVerbs(s.nonResourceRules), incomplete: s.incomplete ?? false } };
}

/** The review a request names, if it names one (POST /apis/<group>/v1/<reviews>). */
export function reviewOf(info: RequestInfo): Review | undefined {
  if (info.apiVersion !== 'v1' || info.parts.length !== 1 || info.namespace) return undefined;
  return REVIEWS[`${info.apiGroup}/${info.resource}`];
}

export async function serveReview(review: Review, x: HttpExchange, gate: GateClient, caller: HttpCaller): Promise<void> {
  if (x.method.toUpperCase() !== 'POST') {
    x.json(405, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', code: 405 });
    return;
  }
  const body = await objectBody(x, review);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError(`${review.kind} in version "v1" cannot be handled as a ${review.kind}: the body is not a JSON object`);
  const r = await gate.unary(review.method, review.request(body), caller);
  x.json(201, { ...(review.toJSON(r.response) as object), kind: review.kind, apiVersion: review.apiVersion }, r.warnings);
}
