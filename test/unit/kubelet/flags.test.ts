import assert from 'node:assert/strict';
import { parseAuthorizationMode, parseClusterDNS, parseKeyValues, parseTaints } from '../../../services/kubelet/flags';

describe('kubelet flags', () => {
  it('parses key=value lists', () => {
    assert.deepEqual(parseKeyValues('node-role.kubernetes.io/worker=, zone=a'), { 'node-role.kubernetes.io/worker': '', zone: 'a' });
    assert.deepEqual(parseKeyValues(''), {});
    assert.throws(() => parseKeyValues('novalue'), /invalid key=value/);
  });

  it('parses --cluster-dns as comma-separated IPs', () => {
    assert.deepEqual(parseClusterDNS('10.96.0.10, fd00:10:96::a'), ['10.96.0.10', 'fd00:10:96::a']);
    assert.deepEqual(parseClusterDNS(''), []);
    assert.throws(() => parseClusterDNS('10.96.0.10,kube-dns'), /--cluster-dns: invalid IP address "kube-dns"/);
  });

  it('parses taints', () => {
    assert.deepEqual(parseTaints('dedicated=gpu:NoSchedule,node-role.kubernetes.io/control-plane:NoExecute'), [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule', timeAdded: '' },
      { key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoExecute', timeAdded: '' },
    ]);
    assert.throws(() => parseTaints('a=b:Sometimes'), /invalid taint/);
  });

  it('picks --authorization-mode: Webhook by default when callers have client certificates, which Webhook needs', () => {
    assert.equal(parseAuthorizationMode(undefined, true), 'Webhook');
    assert.equal(parseAuthorizationMode(undefined, false), 'AlwaysAllow');
    assert.equal(parseAuthorizationMode('AlwaysAllow', true), 'AlwaysAllow');
    assert.equal(parseAuthorizationMode('Webhook', true), 'Webhook');
    assert.throws(() => parseAuthorizationMode('Webhook', false), /needs --tls-cert-file, --tls-private-key-file and --client-ca-file/);
    assert.throws(() => parseAuthorizationMode('RBAC', true), /unknown mode "RBAC" \(supported: AlwaysAllow, Webhook\)/);
  });
});
