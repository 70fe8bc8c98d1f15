import assert from 'node:assert/strict';
import { cpus, totalmem } from 'node:os';
import { allocatable, cgroupCpuMillis, cgroupMemoryBytes, detectNodeIP, machineCapacity } from '../../../../services/kubelet/node-status/machine';

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('kubelet machine capacity', () => {
  it('reads cpu and memory limits from cgroup v1 and v2', () => {
    assert.equal(cgroupCpuMillis(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '150000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' })), 1500);
    assert.equal(cgroupCpuMillis(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' })), undefined);
    assert.equal(cgroupCpuMillis(files({ '/sys/fs/cgroup/cpu.max': '50000 100000' })), 500);
    assert.equal(cgroupCpuMillis(files({ '/sys/fs/cgroup/cpu.max': 'max 100000' })), undefined);
    assert.equal(cgroupMemoryBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '1073741824' })), 1073741824);
    assert.equal(cgroupMemoryBytes(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })), undefined);
    assert.equal(cgroupMemoryBytes(files({ '/sys/fs/cgroup/memory.max': 'max' })), undefined);
  });

  it('reports the smaller of the machine and its cgroup', () => {
    const limited = machineCapacity(50, files({ '/sys/fs/cgroup/cpu.max': '50000 100000', '/sys/fs/cgroup/memory.max': String(512 * 1024 * 1024) }));
    assert.deepEqual(limited, { cpu: '500m', memory: `${512 * 1024}Ki`, pods: '50' });
    const whole = machineCapacity(110, files({}));
    assert.deepEqual(whole, { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' });
  });

  it('subtracts system and kube reservations from capacity', () => {
    const cap = { cpu: '2', memory: '4Gi', pods: '110' };
    assert.deepEqual(allocatable(cap, { cpu: '100m', memory: '512Mi' }, { cpu: '200m', memory: '512Mi' }), {
      cpu: '1700m', memory: `${3 * 1024 * 1024}Ki`, pods: '110',
    });
    assert.deepEqual(allocatable(cap, { cpu: '3' }), { cpu: '0', memory: '4Gi', pods: '110' });
  });

  it('takes the node IP from the interface of the default route', () => {
    const ip = detectNodeIP();
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.notEqual(ip, '127.0.0.1');
  });
});
