// Strategic merge patch against Kubernetes' own behaviour: the cases of Kubernetes' task "Update API
// Objects in Place Using kubectl patch" and each directive, with the expected results written out
// and, where the real kubectl is on PATH, checked against `kubectl patch --local --type strategic`.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../../lib/api/errors';
import { PATCH_STRATEGIES } from '../../../../lib/api/field-semantics';
import { Deployments, PersistentVolumeClaims, Pods, Services, StatefulSets } from '../../../../lib/api/kinds';
import { applyPatch, patchObject } from '../../../../lib/api/patch';

type Obj = Record<string, any>;
const KINDS = { deployments: Deployments, pods: Pods, services: Services, statefulsets: StatefulSets, persistentvolumeclaims: PersistentVolumeClaims };

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const kubectl = hasKubectl();
let dir: string;

/** What the real kubectl makes of the patch, applied to a local file without a server. */
function kubectlPatch(obj: Obj, patch: Obj): Obj {
  const file = join(dir, 'object.json');
  writeFileSync(file, JSON.stringify(obj));
  const out = execFileSync('kubectl', ['patch', '-f', file, '--local', '--type', 'strategic', '-p', JSON.stringify(patch), '-o', 'json'], {
    env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Obj;
}

const smp = (kind: keyof typeof KINDS, obj: Obj, patch: Obj) => applyPatch(obj, 'application/strategic-merge-patch+json', JSON.stringify(patch), KINDS[kind]) as Obj;

/** Applies the patch and, where kubectl is installed, checks kubectl agrees. */
function check(kind: keyof typeof KINDS, obj: Obj, patch: Obj): Obj {
  const ours = smp(kind, obj, patch);
  if (kubectl) assert.deepEqual(ours, kubectlPatch(obj, patch), 'kubectl patch --local gives another result');
  return ours;
}

function deployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'patch-demo', finalizers: ['a.example.com/x', 'b.example.com/y'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'patch-demo-ctr',
              image: 'nginx',
              ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
              env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            },
          ],
          tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
        },
      },
    },
  };
}

const podSpec = (o: Obj) => o.spec.template.spec;

describe('strategic merge patch', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-smp-'));
    writeFileSync(join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('merges containers by name: a new container joins the existing one (the documentation\'s patch-file.yaml)', () => {
    const out = check('deployments', deployment(), { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } });
    assert.deepEqual(podSpec(out).containers.map((c: Obj) => c.name), ['patch-demo-ctr-2', 'patch-demo-ctr']);
    assert.equal(podSpec(out).containers[1].image, 'nginx');
  });

  it('merges into the container of the same name, fields not in the patch kept', () => {
    const out = check('deployments', deployment(), { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', image: 'nginx:1.27' }] } } } });
    assert.equal(podSpec(out).containers.length, 1);
    assert.equal(podSpec(out).containers[0].image, 'nginx:1.27');
    assert.equal(podSpec(out).containers[0].env.length, 2);
  });

  it('replaces tolerations whole, as they have no patch strategy (patch-file-tolerations.yaml)', () => {
    const tolerations = [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }];
    const out = check('deployments', deployment(), { spec: { template: { spec: { tolerations } } } });
    assert.deepEqual(podSpec(out).tolerations, tolerations);
  });

  it('merges ports by containerPort and env by name', () => {
    const out = check('deployments', deployment(), {
      spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }], env: [{ name: 'B', value: '3' }] }] } } },
    });
    const c = podSpec(out).containers[0];
    assert.deepEqual(c.ports, [{ containerPort: 80, name: 'http' }, { containerPort: 443 }, { containerPort: 53, protocol: 'UDP' }]);
    assert.deepEqual(c.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
  });

  it('$patch: delete removes the element with that merge key', () => {
    const out = check('deployments', deployment(), { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', env: [{ name: 'A', $patch: 'delete' }] }] } } } });
    assert.deepEqual(podSpec(out).containers[0].env, [{ name: 'B', value: '2' }]);
  });

  it('$patch: replace on a list keeps only the patch\'s elements; on a map, only the patch\'s keys', () => {
    const out = check('deployments', deployment(), {
      spec: { template: { spec: { containers: [{ name: 'only', image: 'busybox' }, { $patch: 'replace' }] } }, selector: { $patch: 'replace', matchLabels: { app: 'x' } } },
    });
    assert.deepEqual(podSpec(out).containers, [{ name: 'only', image: 'busybox' }]);
    assert.deepEqual(out.spec.selector, { matchLabels: { app: 'x' } });
  });

  it('$patch: delete on a map empties it', () => {
    const out = check('deployments', deployment(), { spec: { strategy: { $patch: 'delete' } } });
    assert.deepEqual(out.spec.strategy, {});
  });

  it('$setElementOrder orders the merged list as it says', () => {
    const out = check('deployments', deployment(), {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'patch-demo-ctr' }],
            containers: [{ name: 'sidecar', image: 'busybox' }],
          },
        },
      },
    });
    assert.deepEqual(podSpec(out).containers.map((c: Obj) => c.name), ['sidecar', 'patch-demo-ctr']);
    const reordered = check('deployments', deployment(), {
      spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }] }] } } },
    });
    assert.deepEqual(podSpec(reordered).containers[0].env.map((e: Obj) => e.name), ['B', 'A']);
  });

  it('$retainKeys clears the keys it does not list (the documentation\'s Recreate strategy)', () => {
    const out = check('deployments', deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  it('finalizers merge as a set; $deleteFromPrimitiveList removes values', () => {
    const added = check('deployments', deployment(), { metadata: { finalizers: ['b.example.com/y', 'c.example.com/z'] } });
    assert.deepEqual(added.metadata.finalizers, ['a.example.com/x', 'b.example.com/y', 'c.example.com/z']);
    const removed = check('deployments', deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } });
    assert.deepEqual(removed.metadata.finalizers, ['b.example.com/y']);
  });

  it('null deletes a map key; maps merge key by key', () => {
    const out = check('deployments', deployment(), { metadata: { labels: { tier: 'web' } }, spec: { template: { metadata: { labels: { app: null, tier: 'web' } } } } });
    assert.deepEqual(out.metadata.labels, { tier: 'web' });
    assert.deepEqual(out.spec.template.metadata.labels, { tier: 'web' });
  });

  it('Service ports merge by port', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, name: 'https' }] } };
    const out = check('services', svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
    assert.deepEqual(out.spec.ports, [{ port: 80, targetPort: 9090 }, { port: 443, name: 'https' }]);
  });

  it('pod conditions merge by type; volumes by name', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'cm' } }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
    };
    const out = check('pods', pod, { spec: { volumes: [{ name: 'b', configMap: { name: 'other' } }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    assert.deepEqual(out.spec.volumes, [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'other' } }]);
    assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
  });

  it('StatefulSet conditions merge by type; volumeClaimTemplates are replaced whole', () => {
    const claim = (name: string) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'] } });
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: { serviceName: 'nginx', volumeClaimTemplates: [claim('www'), claim('logs')] },
      status: { replicas: 1, conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }] },
    };
    const out = check('statefulsets', sts, { spec: { volumeClaimTemplates: [claim('data')] }, status: { conditions: [{ type: 'B', status: 'True' }] } });
    assert.deepEqual(out.spec.volumeClaimTemplates, [claim('data')]);
    assert.deepEqual(out.status.conditions, [{ type: 'A', status: 'True' }, { type: 'B', status: 'True' }]);
  });

  it('PersistentVolumeClaim conditions merge by type; access modes are replaced whole', () => {
    const pvc = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] },
      status: { phase: 'Bound', conditions: [{ type: 'Resizing', status: 'True' }, { type: 'FileSystemResizePending', status: 'False' }] },
    };
    const out = check('persistentvolumeclaims', pvc, { spec: { accessModes: ['ReadWriteMany'] }, status: { conditions: [{ type: 'Resizing', status: 'False' }] } });
    assert.deepEqual(out.spec.accessModes, ['ReadWriteMany']);
    assert.deepEqual(out.status.conditions, [{ type: 'Resizing', status: 'False' }, { type: 'FileSystemResizePending', status: 'False' }]);
  });

  it('refuses an element without its merge key and an unknown directive, as BadRequest', () => {
    for (const patch of [
      { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', $patch: 'explode' }] } } } },
    ]) {
      assert.throws(() => smp('deployments', deployment(), patch), (err: unknown) => err instanceof ApiError && err.reason === 'BadRequest');
    }
  });

  it('patchObject reads numbers in quantity fields as quantities', () => {
    const pod = Pods.type.fromJSON({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const out = patchObject(Pods, pod, 'application/strategic-merge-patch+json', JSON.stringify({ spec: { containers: [{ name: 'c', resources: { limits: { cpu: 2, memory: 1e9 } } }] } }));
    assert.deepEqual(out.spec!.containers[0].resources!.limits, { cpu: '2', memory: '1000000000' });
  });

  it('the merge keys come from one table (for OpenAPI\'s x-kubernetes-patch-merge-key too)', () => {
    assert.deepEqual(PATCH_STRATEGIES.PodSpec.containers, { strategy: 'merge', mergeKey: 'name' });
    assert.deepEqual(PATCH_STRATEGIES.Container.ports, { strategy: 'merge', mergeKey: 'containerPort' });
    assert.equal(PATCH_STRATEGIES.PodSpec.tolerations, undefined);
  });
});
