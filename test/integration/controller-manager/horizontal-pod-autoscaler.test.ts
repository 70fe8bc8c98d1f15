// The HorizontalPodAutoscaler end to end on a real apiserver, scheduler, controller-manager and
// hollow nodes: a Deployment of hollow pods scales up when their CPU rises above the target and
// back down once the load is gone and the (short) scale-down stabilization window has passed,
// with the HPA's status, conditions and SuccessfulRescale events. The test plays the metrics
// pipeline: it writes each pod's metrics.k8s.io PodMetrics itself (the usage it chose), as the
// metrics-scraper would from the kubelets' stats, so the usage is exact and the test quick.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError } from '../../../lib/api/errors';
import { HorizontalPodAutoscalers, PodMetricsKind } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { HorizontalPodAutoscaler } from '../../../lib/gen/kite/autoscaling/v2/types';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { PodMetrics } from '../../../lib/gen/kite/metrics/v1beta1/types';
import { rfc3339 } from '../../../lib/util/time';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
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
  /** The CPU each running pod uses, in millicores: what the test's metrics say. */
  let load = 0;

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    runs.push(new HollowNodes(api.client(), { count: 2, namePrefix: 'hpa-node-', leaseRenewIntervalMs: 500 }).run(stop.signal));
    await waitFor('the nodes', async () => (await client.nodes.list()).items.length === 2);
    runs.push(runScheduler(api.client(), { event: () => undefined }, stop.signal, { initialBackoffMs: 100, maxBackoffMs: 500 }));
    cm = startControllerManager({
      clientset: api.client(),
      controllers: ['replicaset', 'deployment', 'horizontalpodautoscaling', 'garbagecollector'],
      // A fast sync period and no CPU initialization period: hollow pods are Ready at once.
      options: { horizontalpodautoscaling: { syncPeriodMs: 300, cpuInitializationPeriodMs: 0 } },
      signal: stop.signal,
    });
    assert.equal(await cm.synced, true);
    ns = `hpa-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    runs.push(publishMetrics(stop.signal));
  });

  after(async () => {
    stop.abort();
    await cm?.done;
    await Promise.all(runs);
    await api?.stop();
  });

  /** Every 200 ms, a PodMetrics per running pod of the namespace with `load` millicores. */
  async function publishMetrics(signal: AbortSignal): Promise<void> {
    const metrics = client.resource(PodMetricsKind);
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, 200));
      if (signal.aborted) return;
      const pods = (await client.pods.list({ namespace: ns }).catch(() => ({ items: [] }))).items.filter((p) => p.status?.phase === 'Running');
      for (const p of pods) {
        const m = PodMetrics.fromPartial({
          metadata: { name: p.metadata!.name, namespace: ns, labels: p.metadata!.labels },
          timestamp: rfc3339(new Date()),
          window: '1s',
          containers: [{ name: 'c', usage: { cpu: `${load}m`, memory: '10Mi' } }],
        });
        await metrics.create(m).catch(async (err) => {
          if (!(err instanceof AlreadyExistsError)) return;
          const cur = await metrics.get(p.metadata!.name, ns).catch(() => undefined);
          if (cur) await metrics.update({ ...m, metadata: cur.metadata }).catch(() => undefined);
        });
      }
    }
  }

  const replicas = async () => (await client.deployments.get('web', ns)).spec!.replicas;
  const hpa = () => client.resource(HorizontalPodAutoscalers).get('web', ns);

  it('scales a Deployment of hollow pods up when their CPU rises and down after the stabilization window', async () => {
    const labels = { app: 'web' };
    const container = { name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: '100m' } } };
    await client.deployments.create(
      Deployment.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [container] } } } }),
    );
    load = 20;
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
    const quiet = await waitFor('the HPA reading 20% utilization', async () => {
      const h = await hpa();
      return h.status?.currentMetrics[0]?.resource?.current?.averageUtilization === 20 ? h : undefined;
    });
    assert.deepEqual([quiet.status!.currentReplicas, quiet.status!.desiredReplicas, await replicas()], [1, 1, 1]);

    // 150% of the request against a 50% target: up to the maximum of 4.
    load = 150;
    await waitFor('the Deployment scaled up to 4', async () => (await replicas()) === 4);
    const up = await waitFor('the HPA at 4 with 4 pods measured', async () => {
      const h = await hpa();
      return h.status?.currentReplicas === 4 && h.status.currentMetrics[0]?.resource?.current?.averageUtilization === 150 ? h : undefined;
    });
    const conditions = Object.fromEntries(up.status!.conditions.map((c) => [c.type, `${c.status} ${c.reason}`]));
    assert.equal(conditions.ScalingActive, 'True ValidMetricFound');
    assert.equal(conditions.ScalingLimited, 'True TooManyReplicas');
    assert.ok(up.status!.lastScaleTime);

    // The load is gone: back to 1 once the 3 s window no longer holds a higher recommendation.
    load = 5;
    await waitFor('the Deployment scaled down to 1', async () => (await replicas()) === 1);
    const rescales = async () =>
      (await client.events.list({ namespace: ns })).items.filter((e) => e.involvedObject?.kind === 'HorizontalPodAutoscaler' && e.reason === 'SuccessfulRescale').map((e) => e.message);
    const messages = await waitFor('the scale-down event', async () => {
      const m = await rescales();
      return m.includes('New size: 1; reason: All metrics below target') ? m : undefined;
    });
    assert.ok(messages.some((m) => /^New size: [2-4]; reason: cpu resource utilization \(percentage of request\) above target$/.test(m)), messages.join('\n'));
  });
});
