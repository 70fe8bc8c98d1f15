// bench:failover's CPU by program (bench/lib/cluster-cpu.ts): a process is named by its program
// (node's script, else the executable), counted when its cgroup is one of the cluster's
// containers, and its /proc stat's user and system ticks are summed per program between samples.
import { strict as assert } from 'node:assert';
import { cpuByProgram, cpuSecondsOfStat, inContainers, programOf, type CpuSample } from '../../../bench/lib/cluster-cpu';

describe('bench:failover CPU by program', () => {
  it('names a process by its node script or its executable', () => {
    assert.equal(programOf(['node', '/opt/kite/bin/kite-apiserver', '--port', '6443']), 'kite-apiserver');
    assert.equal(programOf(['/usr/bin/node', '--max-old-space-size=512', '/opt/kite/bin/kite-kubelet']), 'kite-kubelet');
    assert.equal(programOf(['/usr/bin/etcd', '--name', 'kite']), 'etcd');
    assert.equal(programOf(['haproxy', '-W', '-db']), 'haproxy');
  });

  it('counts a process whose cgroup is one of the containers, nested ones included', () => {
    const node = 'a'.repeat(64);
    const pod = 'b'.repeat(64);
    assert.ok(inContainers(`0::/docker/${node}\n`, [node, pod]));
    assert.ok(inContainers(`4:memory:/docker/${pod}\n`, [node, pod]));
    assert.ok(!inContainers(`0::/docker/${'c'.repeat(64)}\n`, [node, pod]));
    assert.ok(!inContainers('0::/user.slice\n', [node, pod]));
  });

  it('reads user plus system ticks from a stat line whose command has spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 100 0 0';
    assert.equal(cpuSecondsOfStat(stat), 3);
  });

  it('sums CPU per program between samples, only for processes in both and most first', () => {
    const before: CpuSample = new Map([[1, { program: 'etcd', seconds: 1 }], [2, { program: 'etcd', seconds: 2 }], [3, { program: 'kite-apiserver', seconds: 5 }], [4, { program: 'haproxy', seconds: 1 }]]);
    const after: CpuSample = new Map([[1, { program: 'etcd', seconds: 1.5 }], [2, { program: 'etcd', seconds: 2.5 }], [3, { program: 'kite-apiserver', seconds: 7 }], [5, { program: 'haproxy', seconds: 9 }]]);
    assert.deepEqual(cpuByProgram(before, after), [['kite-apiserver', 2], ['etcd', 1]]);
  });
});
