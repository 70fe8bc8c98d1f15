// The HorizontalPodAutoscaler end to end on a real apiserver, scheduler, controller-manager and
// hollow nodes, through the whole metrics pipeline: hollow pods report the CPU of their
// kite.io/simulated-cpu annotation, the controller-manager's metrics-scraper turns the kubelets'
// stats into PodMetrics, and the HPA scales the Deployment up while the CPU is above the target
// and back down once it falls and the (short) scale-down stabilization window has passed, with
// the HPA's status, conditions and SuccessfulRescale events.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { HorizontalPodAutoscalers } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { HorizontalPodAutoscaler } from '../../../lib/gen/kite/autoscaling/v2/types';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { SIMULATED_CPU_ANNOTATION } from '../../../services/kubelet/hollow/simulated-stats';
import { runScheduler } from '../../../services/scheduler/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('HorizontalPodAutoscaler (against a real apiserver, scheduler, controller-manager and hollow nodes)', function () {
  this.timeout(120_000);
  let api: TestApiserver;
  let client: Clientset;
  const stop = new AbortController();
  const runs: Promise<void>[] = [];
  let cm: ControllerManager;
  let ns: string;

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    runs.push(new HollowNodes(api.client(), { count: 2, namePrefix: 'hpa-node-', leaseRenewIntervalMs: 500, statsHost: '127.0.0.1' }).run(stop.signal));
    await waitFor('the nodes', async () => (await client.nodes.list()).items.length === 2);
    runs.push(runScheduler(api.client(), { event: () => undefined }, stop.signal, { initialBackoffMs: 100, maxBackoffMs: 500 }));
    cm = startControllerManager({
      clientset: api.client(),
      controllers: ['replicaset', 'deployment', 'metrics-scraper', 'horizontalpodautoscaling', 'garbagecollector'],
      // Fast scrapes and syncs; no CPU initialization period: hollow pods are Ready at once.
      options: { 'metrics-scraper': { resolutionMs: 300 }, horizontalpodautoscaling: { syncPeriodMs: 300, cpuInitializationPeriodMs: 0 } },
      signal: stop.signal,
    });
    assert.equal(await cm.synced, true);
    ns = `hpa-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  after(async () => {
    stop.abort();
    await cm?.done;
    await Promise.all(runs);
    await api?.stop();
  });

  const replicas = async () => (await client.deployments.get('web', ns)).spec!.replicas;
  const hpa = () => client.resource(HorizontalPodAutoscalers).get('web', ns);

  it('scales a Deployment of hollow pods up when their CPU rises and down after the stabilization window', async () => {
    const labels = { app: 'web' };
    const container = { name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: '100m' } } };
    // Each pod uses 150m, 150% of its request.
    const template = { metadata: { labels, annotations: { [SIMULATED_CPU_ANNOTATION]: '150m' } }, spec: { terminationGracePeriodSeconds: 0, containers: [container] } };
    await client.deployments.create(Deployment.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { replicas: 1, selector: { matchLabels: labels }, template } }));
    await client.resource(HorizontalPodAutoscalers).create(
      HorizontalPodAutoscaler.fromJSON({
        metadata: { name: 'web', namespace: ns },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 4,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
          // A short scale-down window; the scale-up rules are Kubernetes' defaults.
          behavior: { scaleDown: { stabilizationWindowSeconds: 3 } },
        },
      }),
    );
    // 150% against a 50% target: up to the maximum of 4.
    await waitFor('the Deployment scaled up to 4', async () => (await replicas()) === 4, 60_000);
    // The scraper's windowed rate of the simulated 150m may be off by a millicore.
    const up = await waitFor('the HPA at 4 pods measured at 150%', async () => {
      const h = await hpa();
      return h.status?.currentReplicas === 4 && Math.abs((h.status.currentMetrics[0]?.resource?.current?.averageUtilization ?? 0) - 150) <= 1 ? h : undefined;
    }, 30_000);
    const conditions = Object.fromEntries(up.status!.conditions.map((c) => [c.type, `${c.status} ${c.reason}`]));
    assert.equal(conditions.ScalingActive, 'True ValidMetricFound');
    assert.equal(conditions.ScalingLimited, 'True TooManyReplicas');
    assert.ok(up.status!.lastScaleTime);

    // The load falls to 5m a pod: back to 1 once the 3 s window no longer holds a higher recommendation.
    for (const p of (await client.pods.list({ namespace: ns })).items) {
      await client.pods.patch(p.metadata!.name, { metadata: { annotations: { [SIMULATED_CPU_ANNOTATION]: '5m' } } }, { namespace: ns });
    }
    await waitFor('the Deployment scaled down to 1', async () => (await replicas()) === 1, 60_000);
    const rescales = async () =>
      (await client.events.list({ namespace: ns })).items.filter((e) => e.involvedObject?.kind === 'HorizontalPodAutoscaler' && e.reason === 'SuccessfulRescale').map((e) => e.message);
    const messages = await waitFor('the scale-down event', async () => {
      const m = await rescales();
      return m.includes('New size: 1; reason: All metrics below target') ? m : undefined;
    });
    assert.ok(messages.some((m) => /^New size: [2-4]; reason: cpu resource utilization \(percentage of request\) above target$/.test(m)), messages.join('\n'));
  });
});
