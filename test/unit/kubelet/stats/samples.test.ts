// The working-set math (cAdvisor's usage - inactive_file) and the Docker stats of both cgroup
// versions.
import { strict as assert } from 'node:assert';
import { sampleFromDockerStats, workingSet } from '../../../../services/kubelet/stats/samples';

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

});
