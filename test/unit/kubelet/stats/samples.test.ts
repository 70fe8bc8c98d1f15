// The working-set math (cAdvisor's usage - inactive_file), the Docker stats of both cgroup
// versions, and the node's sample from its cgroup or /proc.
import { strict as assert } from 'node:assert';
import { nodeSample, procSample, sampleFromDockerStats, workingSet } from '../../../../services/kubelet/stats/samples';

const files = (m: Record<string, string>) => (path: string) => m[path];

describe('kubelet stats samples', () => {
  it('computes the working set as usage minus inactive file pages, never below zero', () => {
    assert.equal(workingSet(100 * 1024 * 1024, 30 * 1024 * 1024), 70 * 1024 * 1024);
    assert.equal(workingSet(1000, 0), 1000);
    assert.equal(workingSet(1000, 4096), 0);
  });

  it('reads the Docker Engine\'s stats of cgroup v1 (total_*) and v2', () => {
    const v1 = sampleFromDockerStats({ read: '2026-01-01T00:00:10.5Z', cpu_stats: { cpu_usage: { total_usage: 5_000_000_000 } }, memory_stats: { usage: 10_000_000, stats: { total_inactive_file: 4_000_000, total_rss: 5_000_000, inactive_file: 1 } } }, 0);
    assert.deepEqual(v1, { timeMs: Date.parse('2026-01-01T00:00:10.5Z'), cpuNanos: 5_000_000_000, memoryUsageBytes: 10_000_000, workingSetBytes: 6_000_000, rssBytes: 5_000_000 });
    const v2 = sampleFromDockerStats({ read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: { total_usage: 7 } }, memory_stats: { usage: 3000, stats: { inactive_file: 1000, anon: 1500 } } }, 42);
    assert.deepEqual(v2, { timeMs: 42, cpuNanos: 7, memoryUsageBytes: 3000, workingSetBytes: 2000, rssBytes: 1500 });
    // A stopped container reports no cgroup figures.
    assert.equal(sampleFromDockerStats({ read: '0001-01-01T00:00:00Z', cpu_stats: {}, memory_stats: {} }, 1), undefined);
  });

  it('samples the node from its cgroup v2, cgroup v1, or /proc', () => {
    const v2 = nodeSample(files({ '/sys/fs/cgroup/memory.current': '8000', '/sys/fs/cgroup/memory.stat': 'anon 3000\ninactive_file 2000\n', '/sys/fs/cgroup/cpu.stat': 'usage_usec 1500\nuser_usec 1000' }), 5);
    assert.deepEqual(v2, { timeMs: 5, cpuNanos: 1_500_000, memoryUsageBytes: 8000, workingSetBytes: 6000, rssBytes: 3000 });
    const v1 = nodeSample(files({ '/sys/fs/cgroup/memory/memory.usage_in_bytes': '9000', '/sys/fs/cgroup/memory/memory.stat': 'total_rss 100\ntotal_inactive_file 1000', '/sys/fs/cgroup/cpuacct/cpuacct.usage': '77' }), 6);
    assert.deepEqual(v1, { timeMs: 6, cpuNanos: 77, memoryUsageBytes: 9000, workingSetBytes: 8000, rssBytes: 100 });
    const proc = files({
      '/proc/stat': 'cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0',
      '/proc/meminfo': 'MemTotal:       1000 kB\nMemFree:         200 kB\nInactive(file):  300 kB\nAnonPages:       250 kB',
    });
    // user + nice + system + irq + softirq + steal = 161 jiffies of 10 ms.
    assert.deepEqual(procSample(proc, 7), { timeMs: 7, cpuNanos: 1_610_000_000, memoryUsageBytes: 800 * 1024, workingSetBytes: 500 * 1024, rssBytes: 250 * 1024 });
    assert.deepEqual(nodeSample(proc, 7), procSample(proc, 7));
  });
});
