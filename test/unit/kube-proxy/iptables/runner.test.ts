import { strict as assert } from 'node:assert';
import { restoreError } from '../../../../services/kube-proxy/iptables/runner';

const payload = '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-NODEPORTS\nCOMMIT\n';

describe('restoreError', () => {
  it('finds the failing line of a parse error', () => {
    const stderr =
      "iptables-restore v1.8.9 (nf_tables): Chain 'KUBE-NODEPORTS' does not exist\nError occurred at line: 3\nTry `iptables-restore -h' or 'iptables-restore --help' for more information.\n";
    const err = restoreError(stderr, payload);
    assert.equal(err.line, 3);
    assert.equal(err.lineText, '-A KUBE-SERVICES -j KUBE-NODEPORTS');
    assert.equal(err.message, "iptables-restore failed at line 3 (-A KUBE-SERVICES -j KUBE-NODEPORTS): iptables-restore v1.8.9 (nf_tables): Chain 'KUBE-NODEPORTS' does not exist");
  });

  it('finds the failing line of a kernel error', () => {
    const err = restoreError('iptables-restore v1.8.9 (nf_tables): \nline 2: CHAIN_DEL failed (Device or resource busy): chain KUBE-SEP-A\n', payload);
    assert.equal(err.line, 2);
    assert.equal(err.lineText, ':KUBE-SERVICES - [0:0]');
    assert.match(err.message, /CHAIN_DEL failed/);
  });

  it('keeps the message when no line is named', () => {
    const err = restoreError('iptables-restore: unable to initialize table nat\n', payload);
    assert.equal(err.line, undefined);
    assert.equal(err.message, 'iptables-restore failed: iptables-restore: unable to initialize table nat');
  });
});
