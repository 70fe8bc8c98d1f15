// The kubelet's /metrics/resource text from a Summary: Kubernetes' families, labels, Go float
// formatting and sample timestamps, golden.
import { strict as assert } from 'node:assert';
import { goFloat, resourceMetricsText } from '../../../../services/kubelet/stats/resource-metrics';

describe('kubelet resource metrics (Prometheus text)', () => {
  it('formats floats as Go\'s FormatFloat(f, \'g\', -1, 64)', () => {
    assert.deepEqual([5.44, 0, 123456, 1e6, 12_345_678, 0.00001, 1.5e21].map(goFloat), ['5.44', '0', '123456', '1e+06', '1.2345678e+07', '1e-05', '1.5e+21']);
  });

  it('writes the node, pod and container families in name order', () => {
    const t = '2026-01-01T00:00:10Z';
    const ms = Date.parse(t);
    const text = resourceMetricsText({
      node: { nodeName: 'n1', startTime: t, cpu: { time: t, usageCoreNanoSeconds: 12_500_000_000, usageNanoCores: 1 }, memory: { time: t, workingSetBytes: 2_000_000_000 } },
      pods: [
        {
          podRef: { name: 'web', namespace: 'default', uid: 'u' },
          startTime: t,
          containers: [{ name: 'nginx', startTime: '2026-01-01T00:00:00Z', cpu: { time: t, usageCoreNanoSeconds: 1_500_000_000 }, memory: { time: t, workingSetBytes: 4_096_000 } }],
          cpu: { time: t, usageCoreNanoSeconds: 1_600_000_000 },
          memory: { time: t, workingSetBytes: 4_500_000 },
        },
      ],
    });
    assert.equal(
      text,
      [
        '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
        '# TYPE container_cpu_usage_seconds_total counter',
        `container_cpu_usage_seconds_total{container="nginx",namespace="default",pod="web"} 1.5 ${ms}`,
        '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
        '# TYPE container_memory_working_set_bytes gauge',
        `container_memory_working_set_bytes{container="nginx",namespace="default",pod="web"} 4.096e+06 ${ms}`,
        '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
        '# TYPE container_start_time_seconds gauge',
        `container_start_time_seconds{container="nginx",namespace="default",pod="web"} 1.7672256e+09 ${ms - 10_000}`,
        '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
        '# TYPE node_cpu_usage_seconds_total counter',
        `node_cpu_usage_seconds_total 12.5 ${ms}`,
        '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
        '# TYPE node_memory_working_set_bytes gauge',
        `node_memory_working_set_bytes 2e+09 ${ms}`,
        '# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds',
        '# TYPE pod_cpu_usage_seconds_total counter',
        `pod_cpu_usage_seconds_total{namespace="default",pod="web"} 1.6 ${ms}`,
        '# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes',
        '# TYPE pod_memory_working_set_bytes gauge',
        `pod_memory_working_set_bytes{namespace="default",pod="web"} 4.5e+06 ${ms}`,
        '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
        '# TYPE resource_scrape_error gauge',
        'resource_scrape_error 0',
        '',
      ].join('\n'),
    );
  });
});
