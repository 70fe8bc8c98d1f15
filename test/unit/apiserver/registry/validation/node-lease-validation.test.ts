import { strict as assert } from 'node:assert';
import { Lease } from '../../../../../lib/gen/kite/coordination/v1/lease';
import { Node } from '../../../../../lib/gen/kite/core/v1/types';
import { validateLease, validateNode } from '../../../../../services/apiserver/registry/validation/validation';

const fields = (causes: { field: string; message: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

describe('Node validation (ValidateNode)', () => {
  const node = (spec: object, status: object = {}) => Node.fromPartial({ metadata: { name: 'n1' }, spec, status });

  it('accepts IPv4 and IPv6 pod CIDRs, at most one per family', () => {
    assert.deepEqual(validateNode(node({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] })), []);
  });

  it('refuses a podCIDRs entry that is not a CIDR, and more than two', () => {
    assert.deepEqual(fields(validateNode(node({ podCIDRs: ['10.244.1.0/24', 'café'] }))), [
      'spec.podCIDRs[1]: Invalid value: "café": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
    assert.deepEqual(fields(validateNode(node({ podCIDRs: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'] }))), ['spec.podCIDRs: Too many: 3: must have at most 2 items']);
    assert.deepEqual(fields(validateNode(node({ podCIDR: '10.0.0.0/33' }))), ['spec.podCIDR: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
  });

  it('refuses capacity and allocatable values that are not quantities', () => {
    assert.deepEqual(validateNode(node({}, { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '3500m' } })), []);
    assert.deepEqual(fields(validateNode(node({}, { capacity: { cpu: 'lots' }, allocatable: { memory: '-1Gi' } }))), [
      `status.capacity[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      'status.allocatable[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    ]);
  });
});

describe('Lease validation', () => {
  const lease = (spec: object) => Lease.fromPartial({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec });

  it('accepts RFC 3339 MicroTime acquire and renew times', () => {
    assert.deepEqual(validateLease(lease({ acquireTime: '2026-12-04T20:00:00.123456Z', renewTime: '2026-12-04T20:00:10Z', leaseDurationSeconds: 40 })), []);
  });

  it('refuses times that are not RFC 3339', () => {
    assert.deepEqual(fields(validateLease(lease({ acquireTime: 'yesterday', renewTime: '2026' }))), [
      'spec.acquireTime: Invalid value: "yesterday": must be an RFC 3339 time (e.g. 2006-01-02T15:04:05.000000Z)',
      'spec.renewTime: Invalid value: "2026": must be an RFC 3339 time (e.g. 2006-01-02T15:04:05.000000Z)',
    ]);
  });
});
