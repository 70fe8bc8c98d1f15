// The kubelet's Webhook authorizer over a fake reviewer: the SubjectAccessReview it sends, the
// answers it remembers (both ways, per user and attributes), and the failures it does not.
import { strict as assert } from 'node:assert';
import type { SubjectAccessReviewSpec } from '../../../../lib/gen/kite/authorization/v1/authorization';
import { kubeletRequestAttributes } from '../../../../services/kubelet/server/auth';
import { AuthorizationCache } from '../../../../services/kubelet/server/authorization-cache';
import { WebhookAuthorizer, subjectAccessReviewSpec } from '../../../../services/kubelet/server/webhook-authorizer';

const EXEC = '/kite.kubelet.v1.KubeletService/Exec';
const LOGS = '/kite.kubelet.v1.KubeletService/ContainerLogs';
const user = (name: string, ...groups: string[]) => ({ name, uid: '', groups: [...groups, 'system:authenticated'] });

describe('kubelet Webhook authorizer', () => {
  let now = 0;
  let reviews: SubjectAccessReviewSpec[];
  let allow: Set<string>;
  let failing: boolean;
  const reviewer = async (spec: SubjectAccessReviewSpec) => {
    reviews.push(spec);
    if (failing) throw new Error('connection refused');
    const ok = allow.has(`${spec.user} ${spec.resourceAttributes!.verb}`);
    return { allowed: ok, denied: false, reason: '', evaluationError: '' };
  };
  const authorizer = () => new WebhookAuthorizer(reviewer, new AuthorizationCache({ authorizedMs: 300_000, unauthorizedMs: 30_000 }, () => now));
  beforeEach(() => {
    now = 0;
    reviews = [];
    allow = new Set(['kube-apiserver-kubelet-client create', 'kube-apiserver-kubelet-client get', 'alice get']);
    failing = false;
  });

  it('asks about the node\'s nodes/<subresource> for the caller\'s user and groups', () => {
    const spec = subjectAccessReviewSpec(kubeletRequestAttributes(user('system:node:n2', 'system:nodes'), EXEC, 'n1'));
    assert.deepEqual(spec, {
      user: 'system:node:n2',
      uid: '',
      groups: ['system:nodes', 'system:authenticated'],
      resourceAttributes: { namespace: '', verb: 'create', group: '', version: 'v1', resource: 'nodes', subresource: 'proxy', name: 'n1' },
      nonResourceAttributes: undefined,
    });
  });

  it('answers as the apiserver does and remembers each answer per user and request', async () => {
    const a = authorizer();
    const client = user('kube-apiserver-kubelet-client');
    assert.equal(await a.authorize(kubeletRequestAttributes(client, EXEC, 'n1')), true);
    assert.equal(await a.authorize(kubeletRequestAttributes(client, EXEC, 'n1')), true);
    assert.equal(await a.authorize(kubeletRequestAttributes(user('alice'), LOGS, 'n1')), true);
    assert.equal(await a.authorize(kubeletRequestAttributes(user('alice'), EXEC, 'n1')), false);
    assert.equal(await a.authorize(kubeletRequestAttributes(user('alice'), EXEC, 'n1')), false);
    assert.equal(await a.authorize(kubeletRequestAttributes(user('system:node:n2', 'system:nodes'), LOGS, 'n1')), false);
    assert.equal(reviews.length, 4);
  });

  it('asks again once a denial expires (30 s) and an allowance expires (5 min)', async () => {
    const a = authorizer();
    const alice = kubeletRequestAttributes(user('alice'), EXEC, 'n1');
    assert.equal(await a.authorize(alice), false);
    allow.add('alice create');
    now += 29_000;
    assert.equal(await a.authorize(alice), false);
    now += 1_000;
    assert.equal(await a.authorize(alice), true);
    allow.delete('alice create');
    now += 299_000;
    assert.equal(await a.authorize(alice), true);
    now += 1_000;
    assert.equal(await a.authorize(alice), false);
    assert.equal(reviews.length, 3);
  });

  it('does not remember a review that failed', async () => {
    const a = authorizer();
    const client = kubeletRequestAttributes(user('kube-apiserver-kubelet-client'), LOGS, 'n1');
    failing = true;
    await assert.rejects(a.authorize(client), /connection refused/);
    failing = false;
    assert.equal(await a.authorize(client), true);
    assert.equal(reviews.length, 2);
  });
});
