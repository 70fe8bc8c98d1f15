// The kubelet's token manager with a fake clock and a fake client that records its calls:
// tokens bound to the pod, cached per ServiceAccount, audience, lifetime and pod, refreshed past
// 80% of their lifetime or 24 hours (Kubernetes' requiresRefresh), kept when a refresh fails
// until they expire, and forgotten with their pod.
import { strict as assert } from 'node:assert';
import type { TokenRequest } from '../../../../lib/gen/kite/authentication/v1/types';
import { Pod, ServiceAccountTokenProjection } from '../../../../lib/gen/kite/core/v1/types';
import { TokenManager } from '../../../../services/kubelet/token/token-manager';

const START = Date.parse('2026-12-04T00:00:00Z');

class FakeServiceAccounts {
  calls: { namespace: string; name: string; tokenRequest: TokenRequest }[] = [];
  fail = false;
  /** Lifetime the "apiserver" grants (it may shorten the requested one). */
  maxSeconds = Infinity;
  constructor(private readonly now: () => number) {}
  async call<R>(verb: string, req: { namespace: string; name: string; tokenRequest: TokenRequest }): Promise<R> {
    assert.equal(verb, 'createToken');
    this.calls.push(req);
    if (this.fail) throw new Error('connection refused');
    const seconds = Math.min(req.tokenRequest.spec!.expirationSeconds!, this.maxSeconds);
    return {
      ...req.tokenRequest,
      spec: { ...req.tokenRequest.spec!, expirationSeconds: seconds },
      status: { token: `token-${this.calls.length}`, expirationTimestamp: new Date(this.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    } as R;
  }
}

function setup() {
  let now = START;
  const sa = new FakeServiceAccounts(() => now);
  const tokens = new TokenManager({ serviceAccounts: sa as never }, { now: () => now, random: () => 0 });
  const advance = (seconds: number) => (now += seconds * 1000);
  return { sa, tokens, advance };
}

const pod = (name = 'web', uid = `${name}-uid`) => Pod.fromPartial({ metadata: { name, namespace: 'ns', uid }, spec: { serviceAccountName: 'app' } });
const projection = (audience = '', expirationSeconds?: number) => ServiceAccountTokenProjection.fromPartial({ audience, expirationSeconds, path: 'token' });

describe('kubelet token manager', () => {
  it('requests a token of the pod\'s ServiceAccount bound to the pod, with the projection\'s audience and lifetime', async () => {
    const { sa, tokens } = setup();
    const status = await tokens.getToken(pod(), projection('vault', 7200));
    assert.equal(status.token, 'token-1');
    assert.deepEqual(sa.calls, [
      {
        namespace: 'ns',
        name: 'app',
        dryRun: [],
        tokenRequest: { kind: '', apiVersion: '', spec: { audiences: ['vault'], expirationSeconds: 7200, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'web-uid' } } },
      },
    ]);
    await tokens.getToken(pod(), projection(''));
    assert.deepEqual(sa.calls[1].tokenRequest.spec!.audiences, [], 'no audience: the apiserver\'s own');
    assert.equal(sa.calls[1].tokenRequest.spec!.expirationSeconds, 3600, 'an hour by default');
  });

  it('serves the cached token until 80% of its lifetime has passed, then refreshes it', async () => {
    const { sa, tokens, advance } = setup();
    assert.equal((await tokens.getToken(pod(), projection())).token, 'token-1');
    advance(2879);
    assert.equal((await tokens.getToken(pod(), projection())).token, 'token-1');
    assert.equal(sa.calls.length, 1);
    advance(2);
    assert.equal((await tokens.getToken(pod(), projection())).token, 'token-2');
    assert.equal(sa.calls.length, 2);
  });

  it('refreshes a long-lived token after 24 hours, measured from the lifetime the apiserver granted', async () => {
    const { sa, tokens, advance } = setup();
    await tokens.getToken(pod(), projection('', 7 * 24 * 3600));
    advance(24 * 3600 - 1);
    await tokens.getToken(pod(), projection('', 7 * 24 * 3600));
    assert.equal(sa.calls.length, 1);
    advance(2);
    await tokens.getToken(pod(), projection('', 7 * 24 * 3600));
    assert.equal(sa.calls.length, 2);

    const short = setup();
    short.sa.maxSeconds = 1000;
    await short.tokens.getToken(pod(), projection('', 7200));
    short.advance(801);
    await short.tokens.getToken(pod(), projection('', 7200));
    assert.equal(short.sa.calls.length, 2, '80% of the 1000 s granted, not of the 7200 s asked');
  });

  it('keeps one token per pod, audience and lifetime, and forgets a pod\'s tokens', async () => {
    const { sa, tokens } = setup();
    await tokens.getToken(pod('a'), projection('x'));
    await tokens.getToken(pod('a'), projection('y'));
    await tokens.getToken(pod('b'), projection('x'));
    await tokens.getToken(pod('a'), projection('x'));
    assert.equal(sa.calls.length, 3);
    assert.equal(tokens.size, 3);
    tokens.forgetPod('a-uid');
    assert.equal(tokens.size, 1);
    await tokens.getToken(pod('a'), projection('x'));
    assert.equal(sa.calls.length, 4);
  });

  it('keeps serving the cached token while refreshes fail, until it expires', async () => {
    const { sa, tokens, advance } = setup();
    await assert.rejects(
      (async () => {
        sa.fail = true;
        await tokens.getToken(pod(), projection());
      })(),
      /^Error: failed to fetch token: connection refused$/,
    );
    sa.fail = false;
    await tokens.getToken(pod(), projection());
    sa.fail = true;
    advance(3000);
    assert.equal((await tokens.getToken(pod(), projection())).token, 'token-2');
    advance(601);
    await assert.rejects(tokens.getToken(pod(), projection()), /^Error: token .*"web-uid".* expired and refresh failed: connection refused$/);
    assert.equal(tokens.size, 0, 'the expired token is forgotten');
  });

  it('asks once for concurrent requests of the same token', async () => {
    const { sa, tokens } = setup();
    const [a, b] = await Promise.all([tokens.getToken(pod(), projection()), tokens.getToken(pod(), projection())]);
    assert.equal(a.token, b.token);
    assert.equal(sa.calls.length, 1);
  });
});
