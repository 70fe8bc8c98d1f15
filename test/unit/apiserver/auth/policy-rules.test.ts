import { strict as assert } from 'node:assert';
import { PolicyRule, Subject } from '../../../../lib/gen/kite/rbac/v1/types';
import { ruleAllows, subjectMatches } from '../../../../services/apiserver/auth/rbac/policy-rules';
import { nonResourceAttributes, resourceAttributes } from '../../../../services/apiserver/auth/request-attributes';

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames: string[] = []) => PolicyRule.fromPartial({ verbs, apiGroups, resources, resourceNames });
const attrs = (verb: string, resource: string, o: { subresource?: string; name?: string; apiGroup?: string } = {}) =>
  resourceAttributes({ verb, resource, namespace: 'default', ...o });

describe('RBAC rule matching', () => {
  const cases: [string, PolicyRule, ReturnType<typeof attrs>, boolean][] = [
    ['exact verb and resource', rule(['get'], [''], ['pods']), attrs('get', 'pods'), true],
    ['other verb', rule(['get'], [''], ['pods']), attrs('delete', 'pods'), false],
    ['other group', rule(['get'], ['apps'], ['pods']), attrs('get', 'pods'), false],
    ['wildcards', rule(['*'], ['*'], ['*']), attrs('patch', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), true],
    ['resource does not cover its subresource', rule(['update'], [''], ['pods']), attrs('update', 'pods', { subresource: 'status' }), false],
    ['explicit subresource', rule(['update'], [''], ['pods/status']), attrs('update', 'pods', { subresource: 'status' }), true],
    ['*/subresource', rule(['get'], ['apps'], ['*/scale']), attrs('get', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), true],
    ['*/subresource needs that subresource', rule(['get'], ['apps'], ['*/scale']), attrs('get', 'deployments', { apiGroup: 'apps' }), false],
    ['resourceNames match', rule(['get'], [''], ['pods'], ['a']), attrs('get', 'pods', { name: 'a' }), true],
    ['resourceNames miss', rule(['get'], [''], ['pods'], ['a']), attrs('get', 'pods', { name: 'b' }), false],
    ['resourceNames never match list', rule(['list'], [''], ['pods'], ['a']), attrs('list', 'pods'), false],
    ['resourceNames never match create', rule(['create'], [''], ['pods'], ['a']), attrs('create', 'pods', { name: 'a' }), false],
    ['resourceNames match a subresource create', rule(['create'], [''], ['pods/binding'], ['a']), attrs('create', 'pods', { name: 'a', subresource: 'binding' }), true],
  ];
  for (const [name, r, a, want] of cases) {
    it(name, () => assert.equal(ruleAllows(r, a), want));
  }

  it('matches non-resource URLs exactly or by a trailing *', () => {
    const r = PolicyRule.fromPartial({ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] });
    assert.equal(ruleAllows(r, nonResourceAttributes('get', '/healthz')), true);
    assert.equal(ruleAllows(r, nonResourceAttributes('get', '/api/v1')), true);
    assert.equal(ruleAllows(r, nonResourceAttributes('get', '/metrics')), false);
    assert.equal(ruleAllows(r, nonResourceAttributes('post', '/healthz')), false);
    assert.equal(ruleAllows(r, attrs('get', 'pods')), false, 'a non-resource rule grants no resource');
  });

  it('matches subjects by user, group, and service account (namespace defaulted by a RoleBinding)', () => {
    const u = { name: 'system:serviceaccount:ns1:robot', uid: '', groups: ['team'] };
    assert.ok(subjectMatches(Subject.fromPartial({ kind: 'Group', name: 'team' }), u, ''));
    assert.ok(!subjectMatches(Subject.fromPartial({ kind: 'User', name: 'team' }), u, ''));
    assert.ok(subjectMatches(Subject.fromPartial({ kind: 'ServiceAccount', name: 'robot' }), u, 'ns1'));
    assert.ok(!subjectMatches(Subject.fromPartial({ kind: 'ServiceAccount', name: 'robot' }), u, 'ns2'));
    assert.ok(subjectMatches(Subject.fromPartial({ kind: 'ServiceAccount', name: 'robot', namespace: 'ns1' }), u, ''));
  });
});
