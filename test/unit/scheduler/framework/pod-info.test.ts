import { strict as assert } from 'node:assert';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST, PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { makePod } from '../fixtures';

/** Requests per container; an init container's `sidecar` key makes it one (restartPolicy Always). */
function podWith(containers: Record<string, string>[], init: Record<string, string>[] = []): Pod {
  const c = ({ sidecar, ...requests }: Record<string, string>, i: number) => ({ name: `c${i}`, image: 'x', resources: { requests, limits: {} }, ...(sidecar ? { restartPolicy: 'Always' } : {}) });
  return Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: containers.map(c), initContainers: init.map(c) } });
}

describe('PodInfo', () => {
  const cases: { name: string; pod: Pod; requests: [number, number]; nonZero: [number, number] }[] = [
    { name: 'sums containers', pod: podWith([{ cpu: '250m', memory: '64Mi' }, { cpu: '0.5', memory: '1Gi' }]), requests: [750, 2 ** 30 + 64 * 2 ** 20], nonZero: [750, 2 ** 30 + 64 * 2 ** 20] },
    {
      name: 'unset requests are 0, or the defaults for scoring',
      pod: podWith([{}, { cpu: '1' }]),
      requests: [1000, 0],
      nonZero: [1000 + DEFAULT_MILLI_CPU_REQUEST, 2 * DEFAULT_MEMORY_REQUEST],
    },
    { name: 'an explicit zero stays zero for scoring', pod: podWith([{ cpu: '0', memory: '0' }]), requests: [0, 0], nonZero: [0, 0] },
    {
      name: 'takes the largest init container when larger than the sum',
      pod: podWith([{ cpu: '100m', memory: '1Gi' }, { cpu: '100m' }], [{ cpu: '1' }, { cpu: '300m', memory: '10Mi' }]),
      requests: [1000, 2 ** 30],
      nonZero: [1000, 2 ** 30 + DEFAULT_MEMORY_REQUEST],
    },
    {
      name: 'adds sidecars to the containers\' sum',
      pod: podWith([{ cpu: '500m', memory: '1Gi' }], [{ cpu: '200m', memory: '64Mi', sidecar: 'y' }]),
      requests: [700, 2 ** 30 + 64 * 2 ** 20],
      nonZero: [700, 2 ** 30 + 64 * 2 ** 20],
    },
    {
      name: 'an init container runs beside the sidecars started before it, not those after',
      pod: podWith([{ cpu: '100m', memory: '10Mi' }], [{ cpu: '300m', memory: '10Mi', sidecar: 'y' }, { cpu: '1', memory: '10Mi' }, { cpu: '200m', memory: '10Mi', sidecar: 'y' }, { cpu: '1500m', memory: '10Mi' }]),
      requests: [2000, 30 * 2 ** 20],
      nonZero: [2000, 30 * 2 ** 20],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = PodInfo.of(c.pod);
      assert.deepEqual([p.requests.milliCPU, p.requests.memory], c.requests);
      assert.deepEqual([p.nonZeroRequests.milliCPU, p.nonZeroRequests.memory], c.nonZero);
    });
  }

  it('collects host ports with defaults for IP and protocol', () => {
    const p = PodInfo.of(makePod('p', { hostPorts: [80, { port: 53, protocol: 'UDP', ip: '10.1.1.1' }] }));
    assert.deepEqual(p.hostPorts, [
      { ip: '0.0.0.0', protocol: 'TCP', port: 80 },
      { ip: '10.1.1.1', protocol: 'UDP', port: 53 },
    ]);
  });

  it('parses pod affinity terms: the own namespace unless namespaces or a namespaceSelector are given', () => {
    assert.equal(PodInfo.of(makePod('p')).affinity, undefined);
    const term = (extra: object) => ({ labelSelector: { matchLabels: { app: 'db' }, matchExpressions: [] }, topologyKey: 'zone', namespaces: [], matchLabelKeys: [], mismatchLabelKeys: [], ...extra });
    const p = PodInfo.of(
      makePod('p', {
        ns: 'web',
        affinity: {
          podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({})], preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 7, podAffinityTerm: term({ namespaces: ['a', 'b'] }) }] },
          podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ namespaceSelector: { matchLabels: {}, matchExpressions: [] } })], preferredDuringSchedulingIgnoredDuringExecution: [] },
        },
      }),
    );
    const a = p.affinity!;
    assert.deepEqual([...a.requiredAffinity[0].namespaces], ['web']);
    assert.deepEqual([...a.preferredAffinity[0].namespaces], ['a', 'b']);
    assert.equal(a.preferredAffinity[0].weight, 7);
    assert.deepEqual([...a.requiredAntiAffinity[0].namespaces], []);
    assert.equal(a.requiredAntiAffinity[0].namespaceSelector.empty(), true);
    assert.equal(a.requiredAffinity[0].selector.toString(), 'app=db');
  });

  it('assigns to a node without changing the original pod', () => {
    const pod = makePod('p', { cpu: '1' });
    const p = PodInfo.of(pod);
    const a = p.assignedTo('n1');
    assert.equal(a.nodeName, 'n1');
    assert.equal(a.requests, p.requests);
    assert.equal(pod.spec!.nodeName, '');
    assert.equal(a.key, 'default/p');
  });
});
