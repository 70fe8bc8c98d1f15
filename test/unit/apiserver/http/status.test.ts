// metav1.Status from the gate's errors: Kubernetes' code, reason and details, the message as
// gRPC sent it (rebuilt from the status, the kite-reason trailer and kite-field-causes-bin).
import { strict as assert } from 'node:assert';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  ApiError,
  BadRequestError,
  ConflictError,
  ExpiredError,
  ForbiddenError,
  fromServiceError,
  InternalError,
  InvalidError,
  NotFoundError,
  RequestTooLargeError,
  TimeoutError,
  TooManyRequestsError,
  toServiceError,
  UnauthenticatedError,
  UnavailableError,
} from '../../../../lib/api/errors';
import { statusOf, warningHeaderValue, type Subject } from '../../../../services/apiserver/http/status';

/** The error as the front door receives it: through grpc-js' wire form and back. */
const overTheWire = (err: ApiError) => fromServiceError(toServiceError(err) as ServiceError);

const pod: Subject = { group: '', resource: 'pods', kind: 'Pod', name: 'web' };
const deploy: Subject = { group: 'apps', resource: 'deployments', kind: 'Deployment', name: 'd' };

describe('apiserver http: metav1.Status', () => {
  it('maps every reason to Kubernetes\' HTTP code', () => {
    const table: Array<[ApiError, number, string]> = [
      [new BadRequestError('b'), 400, 'BadRequest'],
      [new UnauthenticatedError('Unauthorized'), 401, 'Unauthorized'],
      [new ForbiddenError('f'), 403, 'Forbidden'],
      [new NotFoundError('n'), 404, 'NotFound'],
      [new AlreadyExistsError('a'), 409, 'AlreadyExists'],
      [new ConflictError('c'), 409, 'Conflict'],
      [new ExpiredError('too old resource version: 1 (20)'), 410, 'Expired'],
      [new RequestTooLargeError('r'), 413, 'RequestEntityTooLarge'],
      [new InvalidError('i'), 422, 'Invalid'],
      [new TooManyRequestsError('t', 3), 429, 'TooManyRequests'],
      [new InternalError('Internal error occurred: x'), 500, 'InternalError'],
      [new UnavailableError('u'), 503, 'ServiceUnavailable'],
      [new TimeoutError('Timeout: Too large resource version: 9, current: 3', 1), 504, 'Timeout'],
    ];
    for (const [err, code, reason] of table) {
      const s = statusOf(overTheWire(err));
      assert.deepEqual([s.code, s.reason, s.message, s.status, s.kind, s.apiVersion, s.metadata], [code, reason, err.message, 'Failure', 'Status', 'v1', {}], reason);
    }
  });

  it('names the resource in details as Kubernetes\' NotFound, AlreadyExists, Conflict and Forbidden do', () => {
    assert.deepEqual(statusOf(overTheWire(new NotFoundError('pods "web" not found')), pod).details, { name: 'web', kind: 'pods' });
    assert.deepEqual(statusOf(overTheWire(new AlreadyExistsError('deployments.apps "d" already exists')), deploy).details, { name: 'd', group: 'apps', kind: 'deployments' });
    assert.deepEqual(statusOf(overTheWire(new ForbiddenError('pods is forbidden: ...')), { ...pod, name: '' }).details, { kind: 'pods' });
    assert.equal(statusOf(overTheWire(new UnauthenticatedError('Unauthorized')), pod).details, undefined);
  });

  it('gives an Invalid error the kind and its causes with field.ErrorType reasons', () => {
    const err = InvalidError.of('Pod "web"', [
      { field: 'spec.containers[0].image', message: 'Required value' },
      { field: 'metadata.name', message: 'Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of ...' },
      { field: 'spec.restartPolicy', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
      { field: 'spec.x', message: 'something else' },
    ]);
    const s = statusOf(overTheWire(err), pod);
    assert.equal(s.code, 422);
    assert.equal(s.message, err.message);
    assert.deepEqual(s.details, {
      name: 'web',
      kind: 'Pod',
      causes: [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
        { reason: 'FieldValueInvalid', message: 'Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of ...', field: 'metadata.name' },
        { reason: 'FieldValueNotSupported', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"', field: 'spec.restartPolicy' },
        { message: 'something else', field: 'spec.x' },
      ],
    });
  });

  it('gives an apply conflict only its FieldManagerConflict causes, as NewApplyConflict does, and the causes cross gRPC', () => {
    const cause = { reason: 'FieldManagerConflict', field: '.spec.replicas', message: 'conflict with "kubectl" using apps/v1' };
    const sent = new ConflictError('Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas', [cause]);
    const back = overTheWire(sent);
    assert.ok(back instanceof ConflictError);
    assert.deepEqual(back.causes, [cause]);
    assert.deepEqual(statusOf(back, deploy), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: sent.message,
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl" using apps/v1', field: '.spec.replicas' }] },
      code: 409,
    });
  });

  it('carries retryAfterSeconds for 429 and 504', () => {
    assert.deepEqual(statusOf(overTheWire(new TooManyRequestsError('slow down', 5))).details, { retryAfterSeconds: 5 });
    assert.deepEqual(statusOf(overTheWire(new TimeoutError('Timeout: x', 1))).details, { retryAfterSeconds: 1 });
  });

  it('maps a status from outside Kite\'s table by its gRPC code, and anything else to a 500', () => {
    const deadline = statusOf(fromServiceError({ code: GrpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded', metadata: undefined } as unknown as ServiceError));
    assert.deepEqual([deadline.code, deadline.reason, deadline.message], [504, 'Timeout', 'Deadline exceeded']);
    const bug = statusOf(new TypeError('x is undefined'));
    assert.deepEqual([bug.code, bug.reason, bug.message], [500, 'InternalError', 'Internal error occurred: x is undefined']);
  });

  it('writes a Warning header as Kubernetes does', () => {
    assert.equal(warningHeaderValue('unknown field "spec.x"'), '299 - "unknown field \\"spec.x\\""');
    assert.equal(warningHeaderValue('a\\b'), '299 - "a\\\\b"');
  });
});
