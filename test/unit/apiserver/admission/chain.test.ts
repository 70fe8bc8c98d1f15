import { strict as assert } from 'node:assert';
import { ForbiddenError } from '../../../../lib/api/errors';
import { Namespaces, Pods, type KindInfo } from '../../../../lib/api/kinds';
import { AdmissionChain, selectAdmissionPlugins, type AdmissionPlugin, type AdmissionRequest } from '../../../../services/apiserver/admission/chain';
import { NamespaceLifecycle, type NamespaceState } from '../../../../services/apiserver/admission/namespace-lifecycle';
import { resourceAttributes } from '../../../../services/apiserver/auth/request-attributes';

function request(kind: KindInfo<any> = Pods, rpc = 'CreatePod', namespace = 'default', name = 'p'): AdmissionRequest {
  const verb = kind.verbOf(rpc);
  return {
    kind,
    rpc,
    verb,
    request: {},
    object: undefined,
    user: { name: 'alice', uid: '', groups: ['system:authenticated'] },
    attributes: resourceAttributes({ verb: verb === 'create' ? 'create' : 'delete', resource: kind.resource, namespace, name }),
    dryRun: false,
    warn: () => {},
    auditAnnotations: {},
  };
}

describe('admission chain', () => {
  it('selects every plugin by default, adds and removes by name, refuses unknown names and disabling RBACEscalation', () => {
    assert.deepEqual(selectAdmissionPlugins(), ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'PodSecurity', 'Priority', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'RBACEscalation', 'ResourceQuota']);
    assert.deepEqual(selectAdmissionPlugins([], ['PodSecurity', 'LimitRanger']), ['NamespaceLifecycle', 'ServiceAccount', 'NodeRestriction', 'Priority', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'RBACEscalation', 'ResourceQuota']);
    assert.throws(() => selectAdmissionPlugins(['AlwaysPullImages']), /unknown admission plugin "AlwaysPullImages" \(known: NamespaceLifecycle, /);
    assert.throws(() => selectAdmissionPlugins([], ['RBACEscalation']), /cannot be disabled/);
    assert.throws(() => selectAdmissionPlugins(['PodSecurity'], ['PodSecurity']), /both enabled and disabled/);
  });

  it('runs every mutating phase, then every validating phase, in plugin order, then the write inside the wrapping plugins', async () => {
    const log: string[] = [];
    const plugin = (name: string, withAround = false): AdmissionPlugin => ({
      name,
      admit: () => void log.push(`${name}.admit`),
      validate: () => void log.push(`${name}.validate`),
      ...(withAround
        ? {
            around: async <R>(_req: AdmissionRequest, write: () => Promise<R>) => {
              log.push(`${name}.before`);
              const out = await write();
              log.push(`${name}.after`);
              return out;
            },
          }
        : {}),
    });
    // Given out of order: the chain sorts them as kube-apiserver orders them.
    const chain = new AdmissionChain([plugin('ResourceQuota', true), plugin('NamespaceLifecycle'), plugin('LimitRanger')]);
    assert.deepEqual(chain.names, ['NamespaceLifecycle', 'LimitRanger', 'ResourceQuota']);
    const out = await chain.run(request(), async () => {
      log.push('write');
      return 42;
    });
    assert.equal(out, 42);
    assert.deepEqual(log, [
      'NamespaceLifecycle.admit', 'LimitRanger.admit', 'ResourceQuota.admit',
      'NamespaceLifecycle.validate', 'LimitRanger.validate', 'ResourceQuota.validate',
      'ResourceQuota.before', 'write', 'ResourceQuota.after',
    ]);
  });

  it('a refusal stops the chain before the write', async () => {
    let wrote = false;
    const refuse: AdmissionPlugin = { name: 'PodSecurity', validate: () => { throw new ForbiddenError('no'); } };
    await assert.rejects(new AdmissionChain([refuse]).run(request(), async () => { wrote = true; }), ForbiddenError);
    assert.equal(wrote, false);
  });

  it('refuses plugins it does not know', () => {
    assert.throws(() => new AdmissionChain([{ name: 'Bogus' }]), /unknown admission plugin "Bogus"/);
  });
});

describe('NamespaceLifecycle', () => {
  const states: Record<string, NamespaceState> = { default: 'active', going: 'terminating' };
  const plugin = new NamespaceLifecycle(async (ns) => states[ns] ?? 'missing');

  it('refuses creates in a missing or terminating namespace with Kubernetes\' words, and allows other verbs there', async () => {
    await plugin.validate(request(Pods, 'CreatePod', 'default'));
    await assert.rejects(plugin.validate(request(Pods, 'CreatePod', 'nowhere')), /^NotFoundError: namespaces "nowhere" not found$/);
    await assert.rejects(plugin.validate(request(Pods, 'CreatePod', 'going')), /unable to create new content in namespace going because it is being terminated/);
    await plugin.validate(request(Pods, 'DeletePod', 'going'));
  });

  it('refuses deleting the namespaces every cluster needs', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      await assert.rejects(plugin.validate(request(Namespaces, 'DeleteNamespace', '', name)), new RegExp(`namespaces "${name}" is forbidden: this namespace may not be deleted`));
    }
    await plugin.validate(request(Namespaces, 'DeleteNamespace', '', 'team-a'));
  });
});
