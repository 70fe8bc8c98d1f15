// `auth can-i --list`'s table, against what kubectl prints for the same SelfSubjectRulesReview
// status (rules broken down, merged per group/resource/name, sorted by Go's PolicyRule String()).
import { strict as assert } from 'node:assert';
import { accessTable, breakdownRule, compactRules, type AccessRule } from '../../../../services/kitectl/printers/access-list';

const rule = (r: Partial<AccessRule>): AccessRule => ({ verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...r });

describe('kitectl auth can-i --list table', () => {
  it('breaks a rule down per group, resource and name (verbs sorted), and per URL', () => {
    assert.deepEqual(breakdownRule(rule({ verbs: ['watch', 'get'], apiGroups: ['', 'apps'], resources: ['pods'], resourceNames: ['a', 'b'] })), [
      rule({ verbs: ['get', 'watch'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }),
      rule({ verbs: ['get', 'watch'], apiGroups: [''], resources: ['pods'], resourceNames: ['b'] }),
      rule({ verbs: ['get', 'watch'], apiGroups: ['apps'], resources: ['pods'], resourceNames: ['a'] }),
      rule({ verbs: ['get', 'watch'], apiGroups: ['apps'], resources: ['pods'], resourceNames: ['b'] }),
    ]);
    assert.deepEqual(breakdownRule(rule({ verbs: ['get'], nonResourceURLs: ['/a', '/b'] })).map((r) => r.nonResourceURLs), [['/a'], ['/b']]);
  });

  it('merges the verbs of one group and resource, keeping their first order', () => {
    const merged = compactRules([rule({ verbs: ['list'], apiGroups: [''], resources: ['pods'] }), rule({ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] })]);
    assert.deepEqual(merged, [rule({ verbs: ['list', 'get'], apiGroups: [''], resources: ['pods'] })]);
  });

  it('prints as kubectl does: grouped resources with subresources, URLs, names, sorted by verbs first', () => {
    const table = accessTable([
      rule({ verbs: ['get'], nonResourceURLs: ['/healthz'] }),
      rule({ verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] }),
      rule({ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] }),
      rule({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] }),
    ]);
    assert.equal(
      table,
      [
        'Resources                                       Non-Resource URLs   Resource Names   Verbs',
        'selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]',
        '                                                [/healthz]          []               [get]',
        'configmaps                                      []                  [cfg]            [get]',
        'deployments.apps/scale                          []                  []               [update]',
        '',
      ].join('\n'),
    );
  });
});
