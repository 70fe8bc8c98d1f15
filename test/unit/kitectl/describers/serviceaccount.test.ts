import { strict as assert } from 'node:assert';
import { Event, Secret, ServiceAccount } from '../../../../lib/gen/kite/core/v1/types';
import { describeServiceAccount, serviceAccountSecrets } from '../../../../services/kitectl/describers/serviceaccount';

const now = Date.parse('2024-01-01T00:10:00Z');

describe('describe serviceaccount', () => {
  it('prints kubectl\'s layout for an account with nothing attached', () => {
    const sa = ServiceAccount.fromPartial({ metadata: { name: 'default', namespace: 'default', uid: 'u1' } });
    assert.equal(
      describeServiceAccount(sa, serviceAccountSecrets(sa, []), [], now),
      [
        'Name:                default',
        'Namespace:           default',
        'Labels:              <none>',
        'Annotations:         <none>',
        'Image pull secrets:  <none>',
        'Mountable secrets:   <none>',
        'Tokens:              <none>',
        'Events:              <none>',
        '',
      ].join('\n'),
    );
  });

  it('lists pull secrets, mountable secrets and token Secrets, marking the missing ones', () => {
    const sa = ServiceAccount.fromPartial({
      metadata: { name: 'robot', namespace: 'apps', uid: 'u2', labels: { team: 'a' } },
      imagePullSecrets: [{ name: 'regcred' }, { name: 'gone' }],
      secrets: [{ name: 'robot-token' }],
    });
    const secrets = [
      Secret.fromPartial({ metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson' }),
      Secret.fromPartial({
        metadata: { name: 'robot-token', annotations: { 'kubernetes.io/service-account.name': 'robot', 'kubernetes.io/service-account.uid': 'u2' } },
        type: 'kubernetes.io/service-account-token',
      }),
      Secret.fromPartial({
        metadata: { name: 'stale-token', annotations: { 'kubernetes.io/service-account.name': 'robot', 'kubernetes.io/service-account.uid': 'old' } },
        type: 'kubernetes.io/service-account-token',
      }),
    ];
    const events = [Event.fromPartial({ type: 'Normal', reason: 'Created', message: 'made', count: 1, source: { component: 'me' }, firstTimestamp: '2024-01-01T00:05:00Z', lastTimestamp: '2024-01-01T00:05:00Z' })];
    assert.equal(
      describeServiceAccount(sa, serviceAccountSecrets(sa, secrets), events, now),
      [
        'Name:                robot',
        'Namespace:           apps',
        'Labels:              team=a',
        'Annotations:         <none>',
        'Image pull secrets:  regcred',
        '                     gone (not found)',
        'Mountable secrets:   robot-token',
        'Tokens:              robot-token',
        'Events:',
        '  Type    Reason   Age   From  Message',
        '  ----    ------   ----  ----  -------',
        '  Normal  Created  5m    me    made',
        '',
      ].join('\n'),
    );
  });

  it('marks nothing missing and shows no tokens when Secrets cannot be listed', () => {
    const sa = ServiceAccount.fromPartial({ metadata: { name: 'r', uid: 'u' }, secrets: [{ name: 'x' }] });
    assert.deepEqual(serviceAccountSecrets(sa, undefined), { tokens: [], missing: new Set() });
  });
});
