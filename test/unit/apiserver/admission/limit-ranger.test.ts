// The LimitRanger admission and LimitRange validation, table-driven against Kubernetes'
// behaviour and messages (plugin/pkg/admission/limitranger, ValidateLimitRange).
import { strict as assert } from 'node:assert';
import { LimitRange, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { LIMIT_RANGER_ANNOTATION, admitPodLimits } from '../../../../services/apiserver/admission/limit-ranger';
import { defaultLimitRange, validateLimitRange } from '../../../../services/apiserver/registry/validation/limit-ranger-validation';

type Item = { type: string; max?: Record<string, string>; min?: Record<string, string>; default?: Record<string, string>; defaultRequest?: Record<string, string>; maxLimitRequestRatio?: Record<string, string> };
type Res = { requests?: Record<string, string>; limits?: Record<string, string> };

const limitRange = (...limits: Item[]) => {
  const lr = LimitRange.fromPartial({ metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } });
  defaultLimitRange(lr);
  return lr;
};

const pod = (containers: Res[], init: Res[] = []) =>
  Pod.fromPartial({
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      containers: containers.map((resources, i) => ({ name: i ? `c${i}` : 'nginx', image: 'nginx', resources })),
      initContainers: init.map((resources, i) => ({ name: `init${i}`, image: 'busybox', resources })),
    },
  });

/** The pod with its first init container made a sidecar (restartPolicy Always). */
const withSidecar = (p: Pod) => {
  p.spec!.initContainers[0].restartPolicy = 'Always';
  return p;
};

describe('LimitRanger admission', () => {
  describe('defaults', () => {
    const cases: { name: string; lr: LimitRange; pod: Pod; want: Res[]; annotation?: string }[] = [
      {
        name: 'defaultRequest and default fill a container that sets nothing',
        lr: limitRange({ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } }),
        pod: pod([{}]),
        want: [{ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } }],
        annotation: 'LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx',
      },
      {
        name: 'a default limit alone is the default request too (LimitRange defaulting)',
        lr: limitRange({ type: 'Container', default: { memory: '512Mi' } }),
        pod: pod([{}]),
        want: [{ requests: { memory: '512Mi' }, limits: { memory: '512Mi' } }],
        annotation: 'LimitRanger plugin set: memory request for container nginx; memory limit for container nginx',
      },
      {
        name: 'max is the default limit and min the default request',
        lr: limitRange({ type: 'Container', max: { cpu: '2' }, min: { cpu: '100m' } }),
        pod: pod([{}]),
        want: [{ requests: { cpu: '2' }, limits: { cpu: '2' } }],
        annotation: 'LimitRanger plugin set: cpu request for container nginx; cpu limit for container nginx',
      },
      {
        name: 'what a container sets is kept; a limit alone is its request, as decoding defaults it',
        lr: limitRange({ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } }),
        pod: pod([{ limits: { cpu: '1' } }]),
        want: [{ requests: { cpu: '1', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } }],
        annotation: 'LimitRanger plugin set: memory request for container nginx; memory limit for container nginx',
      },
      {
        name: 'init containers are defaulted and named as such',
        lr: limitRange({ type: 'Container', defaultRequest: { cpu: '100m' } }),
        pod: pod([{ requests: { cpu: '200m' } }], [{}]),
        want: [{ requests: { cpu: '200m' }, limits: {} }, { requests: { cpu: '100m' }, limits: {} }],
        annotation: 'LimitRanger plugin set: cpu request for init container init0',
      },
      {
        name: 'a Pod item defaults nothing',
        lr: limitRange({ type: 'Pod', max: { cpu: '4' } }),
        pod: pod([{ limits: { cpu: '1' } }]),
        want: [{ requests: { cpu: '1' }, limits: { cpu: '1' } }],
      },
    ];
    for (const tc of cases) {
      it(tc.name, () => {
        assert.equal(admitPodLimits([tc.lr], tc.pod), undefined);
        const got = [...tc.pod.spec!.containers, ...tc.pod.spec!.initContainers].map((c) => ({ requests: c.resources?.requests ?? {}, limits: c.resources?.limits ?? {} }));
        assert.deepEqual(got, tc.want.map((w) => ({ requests: w.requests ?? {}, limits: w.limits ?? {} })));
        assert.equal(tc.pod.metadata!.annotations[LIMIT_RANGER_ANNOTATION], tc.annotation);
      });
    }

    it('leaves namespaces without a LimitRange alone', () => {
      const p = pod([{}]);
      assert.equal(admitPodLimits([], p), undefined);
      assert.deepEqual(p.spec!.containers[0].resources, { requests: {}, limits: {} });
      assert.deepEqual(p.metadata!.annotations, {});
    });
  });

  describe('bounds', () => {
    const cases: { name: string; lr: LimitRange; pod: Pod; err: string | undefined }[] = [
      { name: 'a request under the minimum', lr: limitRange({ type: 'Container', min: { cpu: '100m' } }), pod: pod([{ requests: { cpu: '50m' } }]), err: 'minimum cpu usage per Container is 100m, but request is 50m' },
      { name: 'a limit under the minimum', lr: limitRange({ type: 'Container', min: { cpu: '100m' } }), pod: pod([{ requests: { cpu: '100m' }, limits: { cpu: '0.05' } }]), err: 'minimum cpu usage per Container is 100m, but limit is 50m' },
      { name: 'a limit over the maximum', lr: limitRange({ type: 'Container', max: { memory: '1Gi' } }), pod: pod([{ limits: { memory: '2Gi' } }]), err: 'maximum memory usage per Container is 1Gi, but limit is 2Gi' },
      {
        name: 'no limit under a maximum with no default',
        lr: LimitRange.fromPartial({ spec: { limits: [{ type: 'Container', max: { memory: '1Gi' } }] } }),
        pod: pod([{ requests: { memory: '100Mi' } }]),
        err: 'maximum memory usage per Container is 1Gi.  No limit is specified',
      },
      { name: 'a ratio over the maximum', lr: limitRange({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }), pod: pod([{ requests: { cpu: '250m' }, limits: { cpu: '1' } }]), err: 'cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000' },
      { name: 'a ratio without a limit', lr: limitRange({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }), pod: pod([{ requests: { cpu: '250m' } }]), err: 'cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0' },
      { name: 'a ratio within bounds', lr: limitRange({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }), pod: pod([{ requests: { cpu: '500m' }, limits: { cpu: '1' } }]), err: undefined },
      {
        name: 'the pod as a whole: containers summed',
        lr: limitRange({ type: 'Pod', max: { cpu: '1' } }),
        pod: pod([{ limits: { cpu: '600m' } }, { limits: { cpu: '600m' } }]),
        err: 'maximum cpu usage per Pod is 1, but limit is 1200m',
      },
      {
        name: 'the pod as a whole: the largest init container when it outweighs the sum',
        lr: limitRange({ type: 'Pod', max: { memory: '1Gi' } }),
        pod: pod([{ limits: { memory: '256Mi' } }], [{ limits: { memory: '1536Mi' } }]),
        err: 'maximum memory usage per Pod is 1Gi, but limit is 1536Mi',
      },
      {
        name: 'the pod as a whole: sidecars add to the containers and to the init containers after them',
        lr: limitRange({ type: 'Pod', max: { memory: '1Gi' } }),
        pod: withSidecar(pod([{ limits: { memory: '512Mi' } }], [{ limits: { memory: '256Mi' } }, { limits: { memory: '900Mi' } }])),
        err: 'maximum memory usage per Pod is 1Gi, but limit is 1156Mi',
      },
      {
        name: 'several violations together, as Kubernetes aggregates them',
        lr: limitRange({ type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' } }),
        pod: pod([{ requests: { cpu: '50m' }, limits: { cpu: '1', memory: '2Gi' } }]),
        err: '[minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]',
      },
      {
        name: 'defaults are checked like anything else',
        lr: limitRange({ type: 'Container', default: { cpu: '500m' } }, { type: 'Pod', max: { cpu: '800m' } }),
        pod: pod([{}, {}]),
        err: 'maximum cpu usage per Pod is 800m, but limit is 1',
      },
    ];
    for (const tc of cases) {
      it(tc.name, () => assert.equal(admitPodLimits([tc.lr], tc.pod), tc.err));
    }

    it('reports the first LimitRange a pod breaks, after applying every one\'s defaults', () => {
      const a = limitRange({ type: 'Container', defaultRequest: { cpu: '50m' } });
      const b = limitRange({ type: 'Container', min: { cpu: '100m' }, defaultRequest: { memory: '64Mi' } });
      const p = pod([{}]);
      assert.equal(admitPodLimits([a, b], p), 'minimum cpu usage per Container is 100m, but request is 50m');
      assert.deepEqual(p.spec!.containers[0].resources?.requests, { cpu: '50m', memory: '64Mi' });
    });
  });
});

describe('LimitRange validation', () => {
  const causes = (...limits: Item[]) => {
    const lr = LimitRange.fromPartial({ metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } });
    defaultLimitRange(lr);
    return validateLimitRange(lr).map((c) => `${c.field}: ${c.message}`);
  };
  const cases: { name: string; limits: Item[]; want: string[] }[] = [
    {
      name: 'a full Container item in order',
      limits: [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '2' }, defaultRequest: { cpu: '200m' }, default: { cpu: '1' }, maxLimitRequestRatio: { cpu: '10' } }],
      want: [],
    },
    { name: 'min above max', limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }], want: [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      // defaulting made max the default limit and that the default request
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
    ] },
    { name: 'default request above default limit', limits: [{ type: 'Container', default: { memory: '256Mi' }, defaultRequest: { memory: '512Mi' } }], want: [
      'spec.limits[0].defaultRequest[memory]: Invalid value: "512Mi": default request value 512Mi is greater than default limit value 256Mi',
    ] },
    { name: 'default limit above max', limits: [{ type: 'Container', default: { memory: '2Gi' }, max: { memory: '1Gi' } }], want: [
      'spec.limits[0].defaultRequest[memory]: Invalid value: "2Gi": default request value 2Gi is greater than max value 1Gi',
      'spec.limits[0].default[memory]: Invalid value: "1Gi": default value 2Gi is greater than max value 1Gi',
    ] },
    { name: 'a ratio under 1', limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }], want: [
      'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1',
    ] },
    { name: 'a ratio above max/min', limits: [{ type: 'Pod', min: { cpu: '1' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '3' } }], want: [
      'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "3": ratio 3 is greater than max/min = 2.000000',
    ] },
    { name: 'defaults on a Pod item', limits: [{ type: 'Pod', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }], want: [
      "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
      "spec.limits[0].defaultRequest: Forbidden: may not be specified when `type` is 'Pod'",
    ] },
    { name: 'a type twice and an unknown type', limits: [{ type: 'Container' }, { type: 'Container' }, { type: 'Widget' }], want: [
      'spec.limits[1].type: Duplicate value: "Container"',
      'spec.limits[2].type: Invalid value: "Widget": must be a standard limit type or fully qualified',
    ] },
    { name: 'a resource containers cannot have', limits: [{ type: 'Pod', max: { storage: '1Gi', pods: '3' } }], want: [
      'spec.limits[0].max[storage]: Invalid value: "storage": must be a standard resource for containers',
      'spec.limits[0].max[pods]: Invalid value: "pods": must be a standard resource for containers',
    ] },
    { name: 'a claim item with neither min nor max storage', limits: [{ type: 'PersistentVolumeClaim', max: { 'requests.storage': '1Gi' } }], want: [
      'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
    ] },
    { name: 'extended resources cannot be overcommitted', limits: [{ type: 'Container', default: { 'example.com/gpu': '2' }, defaultRequest: { 'example.com/gpu': '1' } }], want: [
      'spec.limits[0].defaultRequest[example.com/gpu]: Invalid value: "1": default value 2 must equal to defaultRequest value 1 in example.com/gpu',
    ] },
    { name: 'a value that is no quantity', limits: [{ type: 'Pod', max: { cpu: 'lots' } }], want: [
      "spec.limits[0].max[cpu]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ] },
  ];
  for (const tc of cases) {
    it(tc.name, () => assert.deepEqual(causes(...tc.limits), tc.want));
  }
});
