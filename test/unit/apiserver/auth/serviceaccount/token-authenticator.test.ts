// Bound-token authentication (Kubernetes' claims.go validator) and the TokenRequest handler
// (TokenREST): the ServiceAccount and the bound Pod or Secret must still exist with their uids, a
// pod deleted more than a minute ago no longer backs a token; TokenRequest defaults, limits,
// bound-object checks and errors, with Kubernetes' wording.
import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { NotFoundError, type ApiError } from '../../../../../lib/api/errors';
import type { KubeObject } from '../../../../../lib/api/kinds';
import { TokenRequest } from '../../../../../lib/gen/kite/authentication/v1/types';
import { Node, Pod, Secret, ServiceAccount } from '../../../../../lib/gen/kite/core/v1/types';
import { publicKeysFromPEM, signingKeyFromPEM } from '../../../../../services/apiserver/auth/serviceaccount/keys';
import { ServiceAccountTokenAuthenticator } from '../../../../../services/apiserver/auth/serviceaccount/token-authenticator';
import { TokenRequests } from '../../../../../services/apiserver/auth/serviceaccount/token-request';
import { InvalidTokenError, TokenIssuer, TokenVerifier } from '../../../../../services/apiserver/auth/serviceaccount/token-signer';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signing = signingKeyFromPEM(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const keys = publicKeysFromPEM(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());

class World {
  now = Date.parse('2026-12-04T12:00:00Z');
  objects = new Map<string, KubeObject>();
  put(kind: string, o: KubeObject): void {
    this.objects.set(`${kind}/${o.metadata!.namespace}/${o.metadata!.name}`, o);
  }
  find<T>(kind: string, ns: string, name: string): T | undefined {
    return this.objects.get(`${kind}/${ns}/${name}`) as T | undefined;
  }
  async get<T>(kind: string, resource: string, ns: string, name: string): Promise<T> {
    const o = this.find<T>(kind, ns, name);
    if (!o) throw new NotFoundError(`${resource} "${name}" not found`);
    return o;
  }
}

function setup(maxExpirationSeconds = 0) {
  const w = new World();
  w.put('sa', ServiceAccount.fromPartial({ metadata: { name: 'app', namespace: 'ns', uid: 'sa-1' } }));
  w.put('pod', Pod.fromPartial({ metadata: { name: 'web', namespace: 'ns', uid: 'pod-1' }, spec: { serviceAccountName: 'app', nodeName: 'n1' } }));
  w.put('pod', Pod.fromPartial({ metadata: { name: 'other', namespace: 'ns', uid: 'pod-2' }, spec: { serviceAccountName: 'default' } }));
  w.put('secret', Secret.fromPartial({ metadata: { name: 's', namespace: 'ns', uid: 'secret-1' } }));
  w.put('node', Node.fromPartial({ metadata: { name: 'n1', namespace: '', uid: 'node-1' } }));
  const now = () => w.now;
  const requests = new TokenRequests(
    { issuer: new TokenIssuer(ISSUER, signing), audiences: [ISSUER], maxExpirationSeconds, now },
    {
      serviceAccount: (ns, name) => w.get('sa', 'serviceaccounts', ns, name),
      pod: (ns, name) => w.get('pod', 'pods', ns, name),
      secret: (ns, name) => w.get('secret', 'secrets', ns, name),
      cachedNode: (name) => w.find('node', '', name),
    },
  );
  const authn = new ServiceAccountTokenAuthenticator(
    new TokenVerifier({ issuers: [ISSUER], keys, audiences: [ISSUER], now }),
    { serviceAccount: (ns, n) => w.find('sa', ns, n), pod: (ns, n) => w.find('pod', ns, n), secret: (ns, n) => w.find('secret', ns, n) },
    now,
  );
  const warnings: string[] = [];
  const request = (spec: Record<string, unknown> = {}, name = 'app', metadata: Record<string, string> = {}) =>
    requests.create({ namespace: 'ns', name, dryRun: [], tokenRequest: { kind: '', apiVersion: '', metadata: metadata as never, spec: { audiences: [], ...spec } as never } }, (t) => warnings.push(t));
  const podRef = (over: Record<string, string> = {}) => ({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: '', ...over } });
  return { w, authn, request, podRef, warnings };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('accepted');
}

describe('TokenRequest (serviceaccounts/token)', () => {
  it('issues an hour-long token bound to the pod and its node, for the apiserver audiences', async () => {
    const { w, request, podRef } = setup();
    const tr = await request(podRef({ uid: 'pod-1' }));
    assert.deepEqual(TokenRequest.decode(TokenRequest.encode(tr).finish()), tr, 'the answer is a complete message');
    assert.equal(tr.spec!.expirationSeconds, 3600);
    assert.deepEqual(tr.spec!.audiences, [ISSUER]);
    assert.equal(tr.status!.expirationTimestamp, '2026-12-04T13:00:00Z');
    assert.deepEqual([tr.metadata!.name, tr.metadata!.namespace, tr.metadata!.uid], ['app', 'ns', 'sa-1']);
    const claims = JSON.parse(Buffer.from(tr.status!.token.split('.')[1], 'base64url').toString());
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.sub, 'system:serviceaccount:ns:app');
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(claims.iat, w.now / 1000);
    assert.match(claims.jti, /^[0-9a-f-]{36}$/);
    assert.deepEqual(claims['kubernetes.io'], {
      namespace: 'ns',
      serviceaccount: { name: 'app', uid: 'sa-1' },
      pod: { name: 'web', uid: 'pod-1' },
      node: { name: 'n1', uid: 'node-1' },
    });
  });

  it('refuses a lifetime under ten minutes and shortens one above the maximum with a warning', async () => {
    const { request, warnings } = setup(7200);
    assert.equal(
      await refusal(request({ expirationSeconds: 599 })),
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    );
    const tr = await request({ expirationSeconds: 86400, audiences: ['vault'] });
    assert.equal(tr.spec!.expirationSeconds, 7200);
    assert.deepEqual(tr.spec!.audiences, ['vault']);
    assert.deepEqual(warnings, ['requested expiration of 86400 seconds shortened to 7200 seconds']);
  });

  it('refuses a missing ServiceAccount, bound object, other kinds, a stale uid and a pod of another ServiceAccount', async () => {
    const { request, podRef } = setup();
    const e = (p: Promise<unknown>) => p.then(() => assert.fail('accepted'), (err: ApiError) => `${err.reason}: ${err.message}`);
    assert.equal(await e(request({}, 'ghost')), 'NotFound: serviceaccounts "ghost" not found');
    assert.equal(await e(request(podRef({ name: 'gone' }))), 'NotFound: pods "gone" not found');
    assert.equal(await e(request({ boundObjectRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: '' } })), 'BadRequest: cannot bind token to object of type /v1, Kind=ConfigMap');
    assert.equal(
      await e(request(podRef({ uid: 'old' }))),
      'Conflict: Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    );
    assert.equal(await e(request(podRef({ name: 'other' }))), 'BadRequest: cannot bind token for serviceaccount "app" to pod running with different serviceaccount name.');
    assert.equal(
      await e(request({}, 'app', { uid: 'sa-0' })),
      'Conflict: Operation cannot be fulfilled on TokenRequest.authentication.k8s.io "app": the UID in the token request (sa-0) does not match the UID of the service account (sa-1)',
    );
    assert.match(await e(request({}, 'app', { name: 'x' })), /^Invalid: TokenRequest.authentication.k8s.io "app" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified$/);
    const secret = await request({ boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 's', uid: 'secret-1' } });
    assert.deepEqual(JSON.parse(Buffer.from(secret.status!.token.split('.')[1], 'base64url').toString())['kubernetes.io'].secret, { name: 's', uid: 'secret-1' });
  });
});

describe('bound service-account token authentication', () => {
  it('authenticates as the ServiceAccount, with its groups and the pod, node and credential id as extra', async () => {
    const { authn, request, podRef } = setup();
    const tr = await request(podRef());
    const jti = JSON.parse(Buffer.from(tr.status!.token.split('.')[1], 'base64url').toString()).jti;
    assert.deepEqual(await authn.authenticate(tr.status!.token), {
      name: 'system:serviceaccount:ns:app',
      uid: 'sa-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'],
      extra: {
        'authentication.kubernetes.io/pod-name': ['web'],
        'authentication.kubernetes.io/pod-uid': ['pod-1'],
        'authentication.kubernetes.io/credential-id': [`JTI=${jti}`],
        'authentication.kubernetes.io/node-name': ['n1'],
        'authentication.kubernetes.io/node-uid': ['node-1'],
      },
    });
    assert.equal(await authn.authenticate('not-a-jwt'), undefined);
  });

  it('refuses the token once its pod is gone, replaced, or deleted more than a minute ago', async () => {
    const { w, authn, request, podRef } = setup();
    const token = (await request(podRef())).status!.token;
    const pod = w.find<Pod>('pod', 'ns', 'web')!;
    w.put('pod', { ...pod, metadata: { ...pod.metadata!, deletionTimestamp: new Date(w.now - 30_000).toISOString() } });
    await authn.authenticate(token);
    w.put('pod', { ...pod, metadata: { ...pod.metadata!, deletionTimestamp: new Date(w.now - 61_000).toISOString() } });
    assert.equal(await refusal(authn.authenticate(token)), 'service account token has been invalidated');
    w.put('pod', { ...pod, metadata: { ...pod.metadata!, uid: 'pod-9' } });
    assert.equal(await refusal(authn.authenticate(token)), 'pod UID (pod-9) does not match service account pod ref claim (pod-1)');
    w.objects.delete('pod/ns/web');
    assert.equal(await refusal(authn.authenticate(token)), 'service account token has been invalidated');
  });

  it('refuses the token once its ServiceAccount is gone or recreated, and a secret-bound one once the secret is', async () => {
    const { w, authn, request } = setup();
    const token = (await request({ boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 's', uid: '' } })).status!.token;
    await authn.authenticate(token);
    w.put('secret', Secret.fromPartial({ metadata: { name: 's', namespace: 'ns', uid: 'secret-2' } }));
    assert.equal(await refusal(authn.authenticate(token)), 'secret UID (secret-2) does not match service account secret ref claim (secret-1)');
    w.put('secret', Secret.fromPartial({ metadata: { name: 's', namespace: 'ns', uid: 'secret-1' } }));
    w.put('sa', ServiceAccount.fromPartial({ metadata: { name: 'app', namespace: 'ns', uid: 'sa-2' } }));
    assert.equal(await refusal(authn.authenticate(token)), 'service account UID (sa-2) does not match claim (sa-1)');
    w.objects.delete('sa/ns/app');
    assert.equal(await refusal(authn.authenticate(token)), 'serviceaccounts "app" not found');
  });

  it('refuses an expired token', async () => {
    const { w, authn, request } = setup();
    const token = (await request({ expirationSeconds: 600 })).status!.token;
    w.now += 661_000;
    const err = await authn.authenticate(token).then(() => undefined, (e: Error) => e);
    assert.ok(err instanceof InvalidTokenError);
    assert.equal(err.message, 'service account token has expired');
  });
});
