import { strict as assert } from 'node:assert';
import { EndpointsKind, Pods, Services } from '../../../../lib/api/kinds';
import { Endpoints } from '../../../../lib/gen/kite/core/v1/types';
import { computeSubsets, findPort, shouldPodBeInEndpoints } from '../../../../services/controller-manager/endpoints/endpoint-subsets';
import { EndpointsController } from '../../../../services/controller-manager/endpoints/endpoints-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { pod, service } from '../support/fixtures';

const web = { labels: { app: 'web' }, nodeName: 'n1' };
const ips = (as: { ip: string }[]) => as.map((a) => a.ip);

describe('Endpoints subsets', () => {
  it('puts ready pods in addresses and the others in notReadyAddresses, with node and pod reference', () => {
    const svc = service('web');
    const subsets = computeSubsets(svc, [
      pod('b', { ...web, ip: '10.0.0.2', ready: false }),
      pod('a', { ...web, ip: '10.0.0.1', readySince: 0 }),
    ]);
    assert.equal(subsets.length, 1);
    assert.deepEqual(ips(subsets[0].addresses), ['10.0.0.1']);
    assert.deepEqual(ips(subsets[0].notReadyAddresses), ['10.0.0.2']);
    assert.equal(subsets[0].addresses[0].nodeName, 'n1');
    assert.deepEqual(subsets[0].addresses[0].targetRef, { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a', apiVersion: '', resourceVersion: '', fieldPath: '' });
    assert.deepEqual(subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: '' }]);
  });

  it('publishes not-ready pods as ready with publishNotReadyAddresses', () => {
    const subsets = computeSubsets(service('web', { publishNotReadyAddresses: true }), [pod('b', { ...web, ip: '10.0.0.2', ready: false })]);
    assert.deepEqual(ips(subsets[0].addresses), ['10.0.0.2']);
    assert.deepEqual(subsets[0].notReadyAddresses, []);
  });

  it('leaves out pods without an IP and terminating pods', () => {
    const subsets = computeSubsets(service('web'), [
      pod('noip', { ...web, readySince: 0 }),
      pod('going', { ...web, ip: '10.0.0.3', readySince: 0, deleting: true }),
    ]);
    assert.deepEqual(subsets, []);
  });

  it('leaves out pods finished for good: Succeeded or Failed under Never, Succeeded under OnFailure', () => {
    const finished = (restartPolicy: string, phase: string) => {
      const p = structuredClone(pod('p', { ...web, ip: '10.0.0.1', readySince: 0 }));
      p.spec!.restartPolicy = restartPolicy;
      p.status!.phase = phase;
      return shouldPodBeInEndpoints(p, false);
    };
    const cases: [string, string, boolean][] = [
      ['Never', 'Succeeded', false],
      ['Never', 'Failed', false],
      ['Never', 'Running', true],
      ['OnFailure', 'Succeeded', false],
      ['OnFailure', 'Failed', true],
      ['Always', 'Succeeded', true],
      ['Always', 'Failed', true],
    ];
    for (const [policy, phase, want] of cases) assert.equal(finished(policy, phase), want, `${policy} ${phase}`);
  });

  it('resolves named target ports per pod, and groups addresses by the ports they offer', () => {
    const svc = service('web', { ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' }] });
    const p1 = pod('p1', { ...web, ip: '10.0.0.1', readySince: 0, ports: [{ name: 'web', containerPort: 8080 }] });
    const p2 = pod('p2', { ...web, ip: '10.0.0.2', readySince: 0, ports: [{ name: 'web', containerPort: 8081 }] });
    const p3 = pod('p3', { ...web, ip: '10.0.0.3', readySince: 0 });
    assert.equal(findPort(p1, svc.spec!.ports[0]), 8080);
    assert.equal(findPort(p3, svc.spec!.ports[0]), undefined);
    const subsets = computeSubsets(svc, [p1, p2, p3]);
    const view = subsets.map((s) => `${ips(s.addresses).join('+')} -> ${s.ports.map((p) => `${p.name}:${p.port}`).join(',')}`);
    assert.deepEqual(view.sort(), ['10.0.0.1 -> http:8080', '10.0.0.1+10.0.0.2+10.0.0.3 -> metrics:9090', '10.0.0.2 -> http:8081'].sort());
  });

  it('sets the hostname of pods whose subdomain is the Service', () => {
    const subsets = computeSubsets(service('web'), [pod('a', { ...web, ip: '10.0.0.1', readySince: 0, hostname: 'a', subdomain: 'web' })]);
    assert.equal(subsets[0].addresses[0].hostname, 'a');
  });
});

describe('EndpointsController.reconcile', () => {
  let ctx: TestContext;
  let c: EndpointsController;
  beforeEach(() => {
    ctx = testContext();
    c = new EndpointsController(ctx);
  });

  it('creates the Endpoints of a selecting Service, with its labels', async () => {
    preload(ctx, Services, service('web', { labels: { team: 'a' } }));
    preload(ctx, Pods, pod('a', { ...web, ip: '10.0.0.1', readySince: 0 }), pod('other', { labels: { app: 'db' }, nodeName: 'n1', ip: '10.0.0.9', readySince: 0 }));
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), ['create endpoints default/web']);
    const ep = ctx.client.calls[0].object;
    assert.deepEqual(ep.metadata.labels, { team: 'a' });
    assert.deepEqual(ips(ep.subsets[0].addresses), ['10.0.0.1']);
  });

  it('writes nothing when the Endpoints are already right, and updates them when they are not', async () => {
    const svc = service('web');
    const p = pod('a', { ...web, ip: '10.0.0.1', readySince: 0 });
    preload(ctx, Services, svc);
    preload(ctx, Pods, p);
    const ep = Endpoints.fromPartial({ kind: 'Endpoints', apiVersion: 'v1', metadata: { name: 'web', namespace: 'default', resourceVersion: '5' }, subsets: computeSubsets(svc, [p]) });
    preload(ctx, EndpointsKind, ep);
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), []);

    ctx = testContext();
    c = new EndpointsController(ctx);
    preload(ctx, Services, svc);
    preload(ctx, Pods, pod('a', { ...web, ip: '10.0.0.1', ready: false }));
    preload(ctx, EndpointsKind, ep);
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), ['update endpoints default/web']);
    assert.deepEqual(ips(ctx.client.calls[0].object.subsets[0].notReadyAddresses), ['10.0.0.1']);
  });

  it('deletes the Endpoints of a deleted Service and ignores Services without a selector', async () => {
    preload(ctx, EndpointsKind, Endpoints.fromPartial({ metadata: { name: 'gone', namespace: 'default' } }));
    await c.reconcile('default/gone');
    assert.deepEqual(ctx.client.summary(), ['delete endpoints default/gone']);
    ctx.client.clearCalls();
    preload(ctx, Services, service('manual', { selector: {} }));
    await c.reconcile('default/manual');
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('labels the Endpoints of a headless Service', async () => {
    preload(ctx, Services, service('db', { clusterIP: 'None' }));
    await c.reconcile('default/db');
    assert.deepEqual(ctx.client.calls[0].object.metadata.labels, { 'service.kubernetes.io/headless': '' });
  });
});
