// The apiserver's HTTP/2 connection window (services/apiserver/grpc/connection-window.ts): a
// client may have all its streams' windows of request data in flight on one connection, not the
// 64 KiB HTTP/2 starts a connection with, so one upload never waits on another's acknowledgments
// (a 3 MB create queued behind refused over-limit messages missed its deadline under load).
import { strict as assert } from 'node:assert';
import { connect, type ClientHttp2Session } from 'node:http2';
import { connectionWindowBytes } from '../../../services/apiserver/grpc/connection-window';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';

/** The connection window the server granted `session`, once its first frames (SETTINGS, WINDOW_UPDATE) are in: a PING's answer follows them. */
async function grantedWindow(session: ClientHttp2Session): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    session.once('error', reject);
    session.once('remoteSettings', () => resolve());
  });
  await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
  return session.state.remoteWindowSize!;
}

describe('apiserver: HTTP/2 connection window', function () {
  this.timeout(30_000);
  let api: TestApiserver;
  before(async () => {
    api = await startTestApiserver({ http2MaxStreamsPerConnection: 100 });
  });
  after(() => api?.stop());

  it('grants a connection the windows of all its streams together', async () => {
    const session = connect(`http://${api.address}`);
    try {
      const window = await grantedWindow(session);
      assert.equal(window, connectionWindowBytes(100));
      assert.ok(window >= 100 * 65_535, `granted ${window} bytes`);
    } finally {
      session.destroy();
    }
  });
});
