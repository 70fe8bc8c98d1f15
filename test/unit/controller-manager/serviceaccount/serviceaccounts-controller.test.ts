import { strict as assert } from 'node:assert';
import { ForbiddenError } from '../../../../lib/api/errors';
import { Namespaces, ServiceAccounts } from '../../../../lib/api/kinds';
import { ServiceAccount } from '../../../../lib/gen/kite/core/v1/types';
import { ServiceAccountsController } from '../../../../services/controller-manager/serviceaccount/serviceaccounts-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { namespace } from '../support/fixtures';

const sa = (name: string, ns: string) => ServiceAccount.fromPartial({ metadata: { name, namespace: ns, uid: `uid-${ns}-${name}`, resourceVersion: '1' } });

describe('ServiceAccountsController.reconcile', () => {
  let ctx: TestContext;
  let c: ServiceAccountsController;
  beforeEach(() => {
    ctx = testContext();
    c = new ServiceAccountsController(ctx);
  });

  it('creates the default ServiceAccount in an active namespace', async () => {
    preload(ctx, Namespaces, namespace('team'));
    await c.reconcile('team');
    assert.deepEqual(ctx.client.summary(), ['create serviceaccounts team/default']);
    assert.deepEqual(ctx.client.calls[0].object.metadata.name, 'default');
    assert.ok(ctx.client.tracked(ServiceAccounts, 'team', 'default'));
  });

  it('leaves a namespace that has it alone', async () => {
    preload(ctx, Namespaces, namespace('team'));
    preload(ctx, ServiceAccounts, sa('default', 'team'));
    await c.reconcile('team');
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('creates nothing in a terminating or missing namespace', async () => {
    preload(ctx, Namespaces, namespace('going', { deleting: true }));
    await c.reconcile('going');
    await c.reconcile('gone');
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('takes an AlreadyExists (a cache behind the API) or a namespace that began terminating as done', async () => {
    preload(ctx, Namespaces, namespace('team'), namespace('late'));
    ctx.client.seed(ServiceAccounts, sa('default', 'team'));
    ctx.client.reactors.push((call) => (call.namespace === 'late' ? new ForbiddenError('serviceaccounts "default" is forbidden: unable to create new content in namespace late because it is being terminated') : undefined));
    await c.reconcile('team');
    await c.reconcile('late');
    assert.deepEqual(ctx.client.summary(), ['create serviceaccounts team/default', 'create serviceaccounts late/default']);
  });

  it('fails (and is retried) on other errors', async () => {
    preload(ctx, Namespaces, namespace('team'));
    ctx.client.reactors.push(() => new ForbiddenError('serviceaccounts is forbidden: User "x" cannot create resource "serviceaccounts"'));
    await assert.rejects(c.reconcile('team'), /cannot create resource/);
  });
});
