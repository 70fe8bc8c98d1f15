// The kubelet's request -> attributes mapping (Kubernetes' pkg/kubelet/server/auth.go) and its
// refusal wording, table-driven.
import { strict as assert } from 'node:assert';
import { authorizationErrorMessage, forbiddenMessage, kubeletRequestAttributes } from '../../../../services/kubelet/server/auth';

const alice = { name: 'alice', uid: '', groups: ['system:authenticated'] };

describe('kubelet request attributes', () => {
  const table: [string, string, string][] = [
    ['/kite.kubelet.v1.KubeletService/Exec', 'create', 'proxy'],
    ['/kite.kubelet.v1.KubeletService/ContainerLogs', 'get', 'proxy'],
    ['/grpc.health.v1.Health/Check', 'get', 'proxy'],
    ['/grpc.health.v1.Health/Watch', 'get', 'proxy'],
    ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', 'get', 'proxy'],
    ['/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo', 'get', 'proxy'],
    ['/kite.kubelet.v1.KubeletService/Attach', 'create', 'proxy'],
    ['/kite.kubelet.v1.KubeletService/GetSummary', 'get', 'stats'],
    ['/kite.kubelet.v1.KubeletService/GetResourceMetrics', 'get', 'metrics'],
    ['/something.Else/Method', 'create', 'proxy'],
  ];
  for (const [method, verb, subresource] of table) {
    it(`${method} -> ${verb} nodes/${subresource}`, () => {
      assert.deepEqual(kubeletRequestAttributes(alice, method, 'n1'), { user: alice, verb, resource: 'nodes', subresource, name: 'n1' });
    });
  }

  it('refuses in the kubelet\'s words', () => {
    const a = kubeletRequestAttributes(alice, '/kite.kubelet.v1.KubeletService/Exec', 'n1');
    assert.equal(forbiddenMessage(a), 'Forbidden (user=alice, verb=create, resource=nodes, subresource=proxy)');
    assert.equal(authorizationErrorMessage(a), 'Authorization error (user=alice, verb=create, resource=nodes, subresource=proxy)');
  });
});
