// Who may create service-account tokens: the edit role (as Kubernetes' edit role) and not view;
// a node only for the ServiceAccount of a pod bound to it (the Node authorizer's
// authorizeCreateToken) and only bound to such a pod (NodeRestriction's admitServiceAccount),
// with Kubernetes' reasons.
import { strict as assert } from 'node:assert';
import { ServiceAccounts } from '../../../../../lib/api/kinds';
import { Pod } from '../../../../../lib/gen/kite/core/v1/types';
import type { AdmissionRequest } from '../../../../../services/apiserver/admission/chain';
import { NodeRestriction } from '../../../../../services/apiserver/admission/node-restriction';
import { NodeAuthorizer } from '../../../../../services/apiserver/auth/node/node-authorizer';
import { BOOTSTRAP_CLUSTER_ROLES } from '../../../../../services/apiserver/auth/rbac/bootstrap-policy';
import { ruleAllows } from '../../../../../services/apiserver/auth/rbac/policy-rules';
import { attributesForCall, resourceAttributes } from '../../../../../services/apiserver/auth/request-attributes';

const tokenAttrs = (name = 'app', verb = 'create', subresource = 'token') => resourceAttributes({ verb, resource: 'serviceaccounts', subresource, namespace: 'ns', name });

describe('authorization of serviceaccounts/token', () => {
  it('CreateServiceAccountToken is "create serviceaccounts/token" on the named ServiceAccount', () => {
    assert.deepEqual(attributesForCall(ServiceAccounts, 'CreateServiceAccountToken', { namespace: 'ns', name: 'app' }), tokenAttrs());
  });

  it('edit grants it and view does not', () => {
    const allows = (role: string) => BOOTSTRAP_CLUSTER_ROLES.find((r) => r.metadata!.name === role)!.rules.some((r) => ruleAllows(r, tokenAttrs()));
    assert.equal(allows('edit'), true);
    assert.equal(allows('view'), false);
  });

  const pods = [
    Pod.fromPartial({ metadata: { name: 'web', namespace: 'ns', uid: 'u-web' }, spec: { nodeName: 'n1', serviceAccountName: 'app' } }),
    Pod.fromPartial({ metadata: { name: 'plain', namespace: 'ns', uid: 'u-plain' }, spec: { nodeName: 'n1' } }),
    Pod.fromPartial({ metadata: { name: 'far', namespace: 'ns', uid: 'u-far' }, spec: { nodeName: 'n2', serviceAccountName: 'far-sa' } }),
  ];
  const lookup = async (ns: string, name: string) => pods.find((p) => p.metadata!.namespace === ns && p.metadata!.name === name);
  const onNode = (node: string, ns: string) => pods.filter((p) => p.spec!.nodeName === node && p.metadata!.namespace === ns);
  const n1 = { name: 'system:node:n1', uid: '', groups: ['system:nodes', 'system:authenticated'] };

  it("lets a node create tokens only for its pods' ServiceAccounts, with Kubernetes' reasons otherwise", async () => {
    const authz = new NodeAuthorizer(lookup, onNode);
    const cases: [ReturnType<typeof tokenAttrs>, string][] = [
      [tokenAttrs('app'), 'allow'],
      [tokenAttrs('default'), 'allow'],
      [tokenAttrs('far-sa'), "no relationship found between node 'n1' and this object"],
      [tokenAttrs('app', 'get', ''), 'can only create tokens for individual service accounts'],
      [tokenAttrs('', 'create'), 'can only create tokens for individual service accounts'],
      [tokenAttrs('app', 'create', ''), 'can only create token subresource of serviceaccount'],
    ];
    for (const [attrs, want] of cases) {
      const r = await authz.authorize(n1, attrs);
      assert.equal(r.decision === 'allow' ? 'allow' : r.reason, want, `${attrs.verb} ${attrs.name}/${attrs.subresource}`);
    }
  });

  it('NodeRestriction admits only tokens bound to a pod on the node, by uid', async () => {
    const admit = (boundObjectRef: unknown) =>
      new NodeRestriction(lookup).validate({
        user: n1,
        attributes: tokenAttrs(),
        kind: ServiceAccounts,
        rpc: 'CreateServiceAccountToken',
        verb: 'createToken',
        request: { namespace: 'ns', name: 'app', tokenRequest: { spec: { boundObjectRef } } },
        object: undefined,
        dryRun: false,
        warn: () => {},
        auditAnnotations: {},
      } as AdmissionRequest);
    const ref = (over: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u-web', ...over });
    await admit(ref());
    const refused = async (r: unknown) => admit(r).then(() => 'admitted', (err: Error) => err.message);
    assert.equal(await refused(undefined), 'serviceaccounts "app" is forbidden: node requested token not bound to a pod');
    assert.equal(await refused(ref({ kind: 'Secret' })), 'serviceaccounts "app" is forbidden: node requested token not bound to a pod');
    assert.equal(await refused(ref({ uid: '' })), 'serviceaccounts "app" is forbidden: node requested token with a pod binding without a uid');
    assert.equal(
      await refused(ref({ uid: 'stale' })),
      'serviceaccounts "app" is forbidden: the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated',
    );
    assert.equal(await refused(ref({ name: 'far', uid: 'u-far' })), 'serviceaccounts "app" is forbidden: node requested token bound to a pod scheduled on a different node');
    assert.equal(await refused(ref({ name: 'gone' })), 'pods "gone" not found');
  });
});
