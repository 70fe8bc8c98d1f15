// kite.authorization.v1.AuthorizationService: "may I?" (SelfSubjectAccessReview, behind
// `kitectl auth can-i`) and "who am I?" (SelfSubjectReview). Both answer for the caller as the
// gate identified it, after impersonation, so `--as` questions need the impersonate verb.
// "May this user?" (SubjectAccessReview, what a kubelet's Webhook authorizer asks about its
// callers) answers for the user and groups the spec names, and needs `create` on
// subjectaccessreviews, as in Kubernetes. "What may I do?" (SelfSubjectRulesReview, behind
// `kubectl auth can-i --list`) lists the authorizers' rules for the caller (rule-resolver.ts).
// AuthorizeNonResourceRequest is the gate's check of a path that is not a resource (the HTTP
// API's discovery, OpenAPI, version and health documents), authorized against nonResourceURLs.
import type { ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import { BadRequestError, toServiceError } from '../../../lib/api/errors';
import {
  AuthorizationServiceService,
  SelfSubjectAccessReview,
  SelfSubjectReview,
  SelfSubjectRulesReview,
  SubjectAccessReview,
  type AuthorizeNonResourceRequestRequest,
  type AuthorizeNonResourceRequestResponse,
  type CreateSelfSubjectAccessReviewRequest,
  type CreateSelfSubjectRulesReviewRequest,
  type CreateSubjectAccessReviewRequest,
  type SelfSubjectAccessReviewSpec,
} from '../../../lib/gen/kite/authorization/v1/authorization';
import { answerUnary } from '../../../lib/grpc/panic-recovery';
import type { Authorizer } from './authz/authorizer';
import { aggregateMessage, NO_RULES } from './authz/rule-resolver';
import type { RequestGate } from './request-gate';
import { nonResourceAttributes, resourceAttributes, type RequestAttributes } from './request-attributes';

const SERVICE = 'kite.authorization.v1.AuthorizationService';

function reviewedAttributes(spec: SelfSubjectAccessReviewSpec | undefined): RequestAttributes | undefined {
  const r = spec?.resourceAttributes;
  if (r) {
    return resourceAttributes({ verb: r.verb, apiGroup: r.group, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name: r.name });
  }
  const n = spec?.nonResourceAttributes;
  return n ? nonResourceAttributes(n.verb, n.path) : undefined;
}

export function accessReviewService(gate: RequestGate, authorizer: Authorizer): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } {
  const implementation: UntypedServiceImplementation = {
    createSelfSubjectAccessReview: (call: ServerUnaryCall<CreateSelfSubjectAccessReviewRequest, SelfSubjectAccessReview>, callback: sendUnaryData<SelfSubjectAccessReview>) =>
      answerUnary(`${SERVICE}/CreateSelfSubjectAccessReview`, callback, () =>
        gate.serve(
          call,
          `${SERVICE}/CreateSelfSubjectAccessReview`,
          () => resourceAttributes({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }),
          async ({ user }) => {
            const attrs = reviewedAttributes(call.request.selfSubjectAccessReview?.spec);
            const spec = call.request.selfSubjectAccessReview?.spec;
            const review = (status: SelfSubjectAccessReview['status']) =>
              SelfSubjectAccessReview.fromPartial({ kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec, status });
            if (!attrs || !attrs.verb) {
              return review({ allowed: false, denied: false, reason: '', evaluationError: 'spec.resourceAttributes or spec.nonResourceAttributes (with a verb) is required' });
            }
            const r = await authorizer.authorize(user, attrs);
            return review({ allowed: r.decision === 'allow', denied: r.decision === 'deny', reason: r.reason, evaluationError: '' });
          },
        ),
      ),
    createSelfSubjectReview: (call: ServerUnaryCall<unknown, SelfSubjectReview>, callback: sendUnaryData<SelfSubjectReview>) =>
      answerUnary(`${SERVICE}/CreateSelfSubjectReview`, callback, () =>
        gate.serve(
          call,
          `${SERVICE}/CreateSelfSubjectReview`,
          () => resourceAttributes({ verb: 'create', apiGroup: 'authentication.k8s.io', resource: 'selfsubjectreviews' }),
          async ({ user }) =>
            SelfSubjectReview.fromPartial({
              kind: 'SelfSubjectReview',
              apiVersion: 'authentication.k8s.io/v1',
              metadata: {},
              status: { userInfo: { username: user.name, uid: user.uid, groups: user.groups } },
            }),
        ),
      ),
    createSubjectAccessReview: (call: ServerUnaryCall<CreateSubjectAccessReviewRequest, SubjectAccessReview>, callback: sendUnaryData<SubjectAccessReview>) =>
      answerUnary(`${SERVICE}/CreateSubjectAccessReview`, callback, () =>
        gate.serve(
          call,
          `${SERVICE}/CreateSubjectAccessReview`,
          () => resourceAttributes({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'subjectaccessreviews' }),
          async () => {
            const spec = call.request.subjectAccessReview?.spec;
            const attrs = reviewedAttributes(spec);
            if (!spec?.user && !spec?.groups.length) throw new BadRequestError('spec.user or spec.groups: at least one of user or group must be specified');
            if (!attrs || !attrs.verb) throw new BadRequestError('spec.resourceAttributes or spec.nonResourceAttributes (with a verb) is required');
            const r = await authorizer.authorize({ name: spec.user, uid: spec.uid, groups: spec.groups }, attrs);
            return SubjectAccessReview.fromPartial({
              kind: 'SubjectAccessReview',
              apiVersion: 'authorization.k8s.io/v1',
              metadata: {},
              spec,
              status: { allowed: r.decision === 'allow', denied: r.decision === 'deny', reason: r.reason, evaluationError: '' },
            });
          },
        ),
      ),
    createSelfSubjectRulesReview: (call: ServerUnaryCall<CreateSelfSubjectRulesReviewRequest, SelfSubjectRulesReview>, callback: sendUnaryData<SelfSubjectRulesReview>) =>
      answerUnary(`${SERVICE}/CreateSelfSubjectRulesReview`, callback, () =>
        gate.serve(
          call,
          `${SERVICE}/CreateSelfSubjectRulesReview`,
          () => resourceAttributes({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' }),
          async ({ user }) => {
            const spec = call.request.selfSubjectRulesReview?.spec;
            if (!spec?.namespace) throw new BadRequestError('no namespace on request');
            const rules = (await authorizer.resolveRules?.(user, spec.namespace)) ?? NO_RULES;
            return SelfSubjectRulesReview.fromPartial({
              kind: 'SelfSubjectRulesReview',
              apiVersion: 'authorization.k8s.io/v1',
              metadata: {},
              spec,
              status: { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete, evaluationError: aggregateMessage(rules.errors) },
            });
          },
        ),
      ),
    authorizeNonResourceRequest: (call: ServerUnaryCall<AuthorizeNonResourceRequestRequest, AuthorizeNonResourceRequestResponse>, callback: sendUnaryData<AuthorizeNonResourceRequestResponse>) =>
      answerUnary(`${SERVICE}/AuthorizeNonResourceRequest`, callback, () =>
        gate.serve(
          call,
          `${SERVICE}/AuthorizeNonResourceRequest`,
          (r: AuthorizeNonResourceRequestRequest) => nonResourceAttributes(r.verb || 'get', r.path || '/'),
          async () => ({}),
          undefined,
          { anonymous: true },
        ),
      ),
  };
  return { definition: gate.strictDefinition(AuthorizationServiceService), implementation };
}
