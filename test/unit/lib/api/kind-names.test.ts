// The names kubectl knows each kind by (`kubectl api-resources`): short names, group-qualified
// resources, the request field of each kind's RPCs, and keys of objects without metadata.
import { strict as assert } from 'node:assert';
import { ALL_KINDS, declarationOf, lookupKind, objectKey, splitKey } from '../../../../lib/api/kinds';

describe('kind names as kubectl api-resources lists them', () => {
  /** `kubectl api-resources` of Kubernetes 1.30: the short names of every built-in resource. */
  const KUBERNETES_SHORT_NAMES: Record<string, string[]> = {
    bindings: [], componentstatuses: ['cs'], configmaps: ['cm'], endpoints: ['ep'], events: ['ev'], limitranges: ['limits'],
    namespaces: ['ns'], nodes: ['no'], persistentvolumeclaims: ['pvc'], persistentvolumes: ['pv'], pods: ['po'], podtemplates: [],
    replicationcontrollers: ['rc'], resourcequotas: ['quota'], secrets: [], serviceaccounts: ['sa'], services: ['svc'],
    controllerrevisions: [], daemonsets: ['ds'], deployments: ['deploy'], replicasets: ['rs'], statefulsets: ['sts'],
    horizontalpodautoscalers: ['hpa'], cronjobs: ['cj'], jobs: [], leases: [], endpointslices: [], ingressclasses: [],
    ingresses: ['ing'], networkpolicies: ['netpol'], runtimeclasses: [], poddisruptionbudgets: ['pdb'], clusterrolebindings: [],
    clusterroles: [], rolebindings: [], roles: [], priorityclasses: ['pc'], csidrivers: [], csinodes: [], storageclasses: ['sc'],
    volumeattachments: [], certificatesigningrequests: ['csr'],
  };
  /** metrics-server's resources, by group-qualified name: nodes and pods of metrics.k8s.io have no short names. */
  const METRICS_SHORT_NAMES: Record<string, string[]> = { 'nodes.metrics.k8s.io': [], 'pods.metrics.k8s.io': [] };

  it("every kind has Kubernetes' short names", () => {
    for (const k of ALL_KINDS) {
      const table = k.group === 'metrics.k8s.io' ? METRICS_SHORT_NAMES : KUBERNETES_SHORT_NAMES;
      const name = k.group === 'metrics.k8s.io' ? `${k.resource}.${k.group}` : k.resource;
      assert.ok(name in table, `${name} is not a Kubernetes resource this test knows`);
      assert.deepEqual([...k.shortNames], table[name], name);
    }
  });

  it('resolves resources qualified by a group with dots', () => {
    assert.equal(lookupKind('leases.coordination.k8s.io')?.kind, 'Lease');
    assert.equal(lookupKind('clusterrolebindings.rbac.authorization.k8s.io')?.kind, 'ClusterRoleBinding');
  });

  it("names each kind's request field in lowerCamelCase", () => {
    assert.equal(lookupKind('clusterrolebindings')?.requestField, 'clusterRoleBinding');
    assert.equal(lookupKind('rs')?.requestField, 'replicaSet');
  });

  it('refuses a kind that has no declaration', () => {
    assert.throws(() => declarationOf('Widget'), /^Error: kind Widget has no declaration in lib\/api\/kind-declarations\.ts$/);
  });

  it('keys: an object without metadata has none; a leading slash is an empty namespace', () => {
    assert.equal(objectKey({}), '');
    assert.deepEqual(splitKey('/n1'), { namespace: '', name: 'n1' });
  });
});
