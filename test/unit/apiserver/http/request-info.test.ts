// The path parser against Kubernetes' own RequestInfo cases (requestinfo_test.go).
import { strict as assert } from 'node:assert';
import { parseRequestInfo, RequestInfoError } from '../../../../services/apiserver/http/request-info';

function info(method: string, url: string) {
  const u = new URL(url, 'https://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

describe('apiserver http: request info (Kubernetes\' RequestInfoFactory)', () => {
  // method, url, verb, apiPrefix, group, version, namespace, resource, subresource, name, parts
  const cases: Array<[string, string, string, string, string, string, string, string, string, string, string[]]> = [
    ['GET', '/api/v1/namespaces', 'list', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
    ['GET', '/api/v1/namespaces/other', 'get', 'api', '', 'v1', 'other', 'namespaces', '', 'other', ['namespaces', 'other']],
    ['GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['HEAD', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['HEAD', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    // special verbs
    ['GET', '/api/v1/proxy/namespaces/other/pods/foo', 'proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['GET', '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource', 'proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo', 'subpath', 'not', 'a', 'subresource']],
    ['GET', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/pods?watch=true', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/pods?watch=false', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/watch/namespaces/other/pods', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=1', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['GET', '/api/v1/namespaces/other/pods?watch=0', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    // subresource identification
    ['GET', '/api/v1/namespaces/other/pods/foo/status', 'get', 'api', '', 'v1', 'other', 'pods', 'status', 'foo', ['pods', 'foo', 'status']],
    ['GET', '/api/v1/namespaces/other/pods/foo/proxy/subpath', 'get', 'api', '', 'v1', 'other', 'pods', 'proxy', 'foo', ['pods', 'foo', 'proxy', 'subpath']],
    ['PUT', '/api/v1/namespaces/other/finalize', 'update', 'api', '', 'v1', 'other', 'namespaces', 'finalize', 'other', ['namespaces', 'other', 'finalize']],
    ['PUT', '/api/v1/namespaces/other/status', 'update', 'api', '', 'v1', 'other', 'namespaces', 'status', 'other', ['namespaces', 'other', 'status']],
    // verb identification
    ['PATCH', '/api/v1/namespaces/other/pods/foo', 'patch', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['DELETE', '/api/v1/namespaces/other/pods/foo', 'delete', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
    ['POST', '/api/v1/namespaces/other/pods', 'create', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    // deletecollection verb identification
    ['DELETE', '/api/v1/nodes', 'deletecollection', 'api', '', 'v1', '', 'nodes', '', '', ['nodes']],
    ['DELETE', '/api/v1/namespaces', 'deletecollection', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
    ['DELETE', '/api/v1/namespaces/other/pods', 'deletecollection', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
    ['DELETE', '/apis/extensions/v1/namespaces/other/pods', 'deletecollection', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
    // api group and version identification
    ['POST', '/apis/extensions/v1/namespaces/other/pods', 'create', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
    ['POST', '/apis/extensions/v1beta3/namespaces/other/pods', 'create', 'apis', 'extensions', 'v1beta3', 'other', 'pods', '', '', ['pods']],
    ['GET', '/apis/apps/v1/deployments', 'list', 'apis', 'apps', 'v1', '', 'deployments', '', '', ['deployments']],
    ['PUT', '/apis/apps/v1/namespaces/ns/deployments/web/scale', 'update', 'apis', 'apps', 'v1', 'ns', 'deployments', 'scale', 'web', ['deployments', 'web', 'scale']],
    ['POST', '/api/v1/namespaces/ns/pods/p/binding', 'create', 'api', '', 'v1', 'ns', 'pods', 'binding', 'p', ['pods', 'p', 'binding']],
    ['POST', '/api/v1/namespaces/ns/serviceaccounts/sa/token', 'create', 'api', '', 'v1', 'ns', 'serviceaccounts', 'token', 'sa', ['serviceaccounts', 'sa', 'token']],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin', 'get', 'apis', 'rbac.authorization.k8s.io', 'v1', '', 'clusterroles', '', 'admin', ['clusterroles', 'admin']],
  ];
  for (const [method, url, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts] of cases) {
    it(`${method} ${url}`, () => {
      const got = info(method, url);
      assert.equal(got.isResourceRequest, true);
      assert.deepEqual(
        { verb: got.verb, apiPrefix: got.apiPrefix, apiGroup: got.apiGroup, apiVersion: got.apiVersion, namespace: got.namespace, resource: got.resource, subresource: got.subresource, name: got.name, parts: got.parts },
        { verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts },
      );
    });
  }

  it('reads a list\'s name from a metadata.name field selector, as authorization sees it', () => {
    assert.equal(info('GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dmiao').name, 'miao');
    assert.equal(info('GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3D%3Dmiao').name, 'miao');
    assert.equal(info('GET', '/api/v1/namespaces/ns/pods?fieldSelector=a%3Db').name, '');
    assert.equal(info('GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name!%3Dmiao').name, '');
    const w = info('GET', '/api/v1/namespaces/ns/pods?watch=true&fieldSelector=metadata.name%3Dfoo');
    assert.equal(w.verb, 'watch');
    assert.equal(w.name, 'foo');
  });

  it('tells non-resource paths (Kubernetes\' TestGetNonAPIRequestInfo)', () => {
    const resource = ['/api/version/resource', '/apis/group/version/resource/name/subresource', '/api/version/resource/name/subresource', '/apis/batch/v1/job', '/apis/batch/v1/job/foo'];
    const nonResource = ['/not-api/version/resource', '/apis/extensions/v1beta1', '/apis/extensions/v1beta1/', '/api/version', '/api', '/', '', '/version', '/healthz', '/openapi/v2'];
    for (const p of resource) assert.equal(parseRequestInfo('GET', p, new URLSearchParams()).isResourceRequest, true, p);
    for (const p of nonResource) {
      const got = parseRequestInfo('GET', p, new URLSearchParams());
      assert.equal(got.isResourceRequest, false, p);
      assert.equal(got.verb, 'get');
      assert.equal(got.path, p);
    }
  });

  it('refuses a special verb without a resource, in Kubernetes\' words', () => {
    for (const p of ['/api/v1/proxy', '/api/v1/watch']) {
      assert.throws(() => parseRequestInfo('GET', p, new URLSearchParams()), (e: unknown) => e instanceof RequestInfoError && e.message === `unable to determine kind and namespace from url, ${p}`);
    }
  });
});
