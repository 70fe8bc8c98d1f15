// One authentication per call, as kube-apiserver's authentication filter runs once per request:
// the interceptor authenticates a call on its headers and the request gate takes that answer
// (a service-account token's signature is verified once, not twice), while what authorization
// sees stays the identity the call's own credentials prove, on gRPC and through the HTTP front
// door, whatever forwarding metadata or headers a caller adds.
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { TokenRequest } from '../../../lib/gen/kite/authentication/v1/types';
import { AuthorizationServiceService, type UserInfo } from '../../../lib/gen/kite/authorization/v1/authorization';
import { ListPodsRequest, PodServiceService } from '../../../lib/gen/kite/core/v1/services';
import { Namespace, ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import type { Clientset } from '../../../lib/client/clientset';
import { issueClientCertificate } from '../../../lib/pki/certificates';
import { FORWARDED_CERTIFICATE, FRONT_DOOR_SECRET } from '../../../services/apiserver/auth/authn/front-door-trust';
import { TokenFileAuthenticator } from '../../../services/apiserver/auth/authn/token-file';
import { ServiceAccountTokenAuthenticator } from '../../../services/apiserver/auth/serviceaccount/token-authenticator';
import { http2Request, http2Session } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

type Def<Req, Res> = { path: string; requestSerialize: (r: Req) => Buffer; responseDeserialize: (b: Buffer) => Res };

describe('security: one authentication per call', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let anonymous: Clientset;
  let saToken: string;
  let adminDer: Buffer;
  const ns = uniqueName('authn-once');
  const sa = `system:serviceaccount:${ns}:app`;
  /**
   * Bearer tokens looked at by each authenticator, counted on the prototypes the apiserver (in this
   * process) uses: the token file is asked first, then a service-account token's signature is verified.
   */
  const verified = { serviceAccount: 0, tokenFile: 0 };
  const saAuthenticate = ServiceAccountTokenAuthenticator.prototype.authenticate;
  const fileAuthenticate = TokenFileAuthenticator.prototype.authenticate;

  /** One unary call on `c`'s channel with exactly this metadata; resolves with the reply or the gRPC error. */
  const call = <Req, Res>(c: Clientset, def: Def<Req, Res>, req: Req, md: Metadata) =>
    new Promise<{ reply?: Res; err?: ServiceError }>((resolve) =>
      c.grpc.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, req, md, { deadline: Date.now() + 10_000 }, (err: ServiceError | null, reply?: Res) =>
        resolve(err ? { err } : { reply }),
      ),
    );
  const bearer = (token: string) => {
    const md = new Metadata();
    md.set('authorization', `Bearer ${token}`);
    return md;
  };
  const whoAmI = async (c: Clientset, md: Metadata): Promise<UserInfo> => {
    const r = await call(c, AuthorizationServiceService.createSelfSubjectReview, {}, md);
    assert.ok(r.reply, r.err?.details ?? 'no reply');
    return r.reply.status!.userInfo!;
  };
  const listPods = (c: Clientset, md: Metadata) => call(c, PodServiceService.listPods, ListPodsRequest.fromPartial({ namespace: ns }), md);
  /** Forwarding metadata as an outsider would forge it: a guessed secret and the admin's certificate. */
  const forge = (md: Metadata) => {
    md.set(FRONT_DOOR_SECRET, Buffer.alloc(32));
    md.set(FORWARDED_CERTIFICATE, adminDer);
    return md;
  };

  const httpGet = (session: ClientHttp2Session, path: string, headers: Record<string, string> = {}) => http2Request(session, 'GET', path, undefined, headers);

  before(async () => {
    ServiceAccountTokenAuthenticator.prototype.authenticate = function (this: ServiceAccountTokenAuthenticator, token: string) {
      verified.serviceAccount++;
      return saAuthenticate.call(this, token);
    };
    TokenFileAuthenticator.prototype.authenticate = function (this: TokenFileAuthenticator, token: string) {
      verified.tokenFile++;
      return fileAuthenticate.call(this, token);
    };
    s = await startSecureApiserver({ tokens: { 'bob-token': { user: 'bob' } }, config: { securePort: 0 } });
    admin = await s.admin();
    anonymous = await s.client();
    adminDer = new X509Certificate(readFileSync(s.pki.admin.cert)).raw;
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'app', namespace: ns } }));
    const tr: TokenRequest = await admin.serviceAccounts.call('createToken', { namespace: ns, name: 'app', dryRun: [], tokenRequest: { spec: { audiences: [] } } });
    saToken = tr.status!.token;
  });
  after(async () => {
    ServiceAccountTokenAuthenticator.prototype.authenticate = saAuthenticate;
    TokenFileAuthenticator.prototype.authenticate = fileAuthenticate;
    await s?.stop();
  });

  /** What `fn` costs in token verifications. */
  const verifications = async (fn: () => Promise<unknown>) => {
    const before = { ...verified };
    await fn();
    return { serviceAccount: verified.serviceAccount - before.serviceAccount, tokenFile: verified.tokenFile - before.tokenFile };
  };

  it('verifies a token once per gRPC call: the gate takes the identity the interceptor found on the headers', async () => {
    let me: UserInfo | undefined;
    assert.deepEqual(await verifications(async () => (me = await whoAmI(anonymous, bearer(saToken)))), { serviceAccount: 1, tokenFile: 1 });
    assert.equal(me!.username, sa);
    let denied: ServiceError | undefined;
    assert.deepEqual(await verifications(async () => (denied = (await listPods(anonymous, bearer(saToken))).err)), { serviceAccount: 1, tokenFile: 1 });
    assert.equal(denied?.code, status.PERMISSION_DENIED);
    assert.match(denied!.details, new RegExp(`User "${sa}" cannot list resource "pods"`));
    assert.deepEqual(await verifications(() => whoAmI(anonymous, bearer('bob-token'))), { serviceAccount: 0, tokenFile: 1 });
  });

  it('verifies a token once per HTTP request (the front door\'s internal call is authenticated once too)', async () => {
    const session = http2Session({ port: s.server.securePort!, ca: s.ca.cert });
    try {
      let r: { status: number; json: any } | undefined;
      assert.deepEqual(await verifications(async () => (r = await httpGet(session, `/api/v1/namespaces/${ns}/pods`, { authorization: `Bearer ${saToken}` }))), {
        serviceAccount: 1,
        tokenFile: 1,
      });
      assert.equal(r!.status, 403);
      assert.match(r!.json.message, new RegExp(`^pods is forbidden: User "${sa}" cannot list`));
    } finally {
      session.close();
    }
  });

  it('calls on one connection each keep their own identity', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => whoAmI(anonymous, bearer(i % 2 ? saToken : 'bob-token'))));
    assert.deepEqual(
      users.map((u) => u.username),
      Array.from({ length: 20 }, (_, i) => (i % 2 ? sa : 'bob')),
    );
  });

  it('forged forwarding metadata neither authenticates nor changes who a gRPC caller is', async () => {
    const forged = await listPods(anonymous, forge(new Metadata()));
    assert.equal(forged.err?.code, status.UNAUTHENTICATED, 'forwarding metadata without the secret is no credential');
    assert.equal((await whoAmI(anonymous, forge(bearer('bob-token')))).username, 'bob');
    const denied = (await listPods(anonymous, forge(bearer('bob-token')))).err;
    assert.equal(denied?.code, status.PERMISSION_DENIED, 'authorization sees bob, not the forwarded admin');
    assert.match(denied!.details, /User "bob" cannot list resource "pods"/);
  });

  it('forwarding headers sent to the HTTP front door are not forwarded: authorization sees the TLS client', async () => {
    const session = http2Session({ port: s.server.securePort!, ca: s.ca.cert, ...(await issueClientCertificate(s.ca, 'alice', [])) });
    try {
      const r = await httpGet(session, `/api/v1/namespaces/${ns}/pods`, {
        [FRONT_DOOR_SECRET]: Buffer.alloc(32).toString('base64'),
        [FORWARDED_CERTIFICATE]: adminDer.toString('base64'),
      });
      assert.equal(r.status, 403);
      assert.match(r.json.message, /^pods is forbidden: User "alice" cannot list/);
    } finally {
      session.close();
    }
  });
});
