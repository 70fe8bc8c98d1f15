// kubectl port-forward against a secure apiserver's HTTPS port: kubectl's WebSocket tunnel (and
// its SPDY fallback) is HTTP/1.1 on the port that serves HTTP/2, with the admin's client
// certificate; each forwarded connection is a PortForwardPod stream through the gate, audited as
// create pods/portforward. The pod's node does not exist, so the error on the error stream is
// the apiserver's own, and kubectl gives up as against Kubernetes.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);

interface AuditEvent {
  method: string;
  user: string;
  verb: string;
  resource: string;
  decision: string;
}

describe('HTTP API: kubectl port-forward over HTTPS', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let env: NodeJS.ProcessEnv;
  const ns = uniqueName('kpf');

  before(async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    s = await startSecureApiserver({ config: { securePort: 0 }, audit: true });
    const admin = await s.admin();
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    // Running (kubectl checks) on a node nobody registered.
    const pod = await admin.pods.create(Pod.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { nodeName: 'ghost', containers: [{ name: 'c', image: 'busybox' }] } }));
    pod.status!.phase = 'Running';
    await admin.pods.updateStatus(pod);
    const kubeconfig = writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: ns });
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: s.dir };
  });
  after(() => s?.stop());

  for (const websockets of ['true', 'false']) {
    it(`tunnels over TLS (KUBECTL_PORT_FORWARD_WEBSOCKETS=${websockets}); the stream is audited as create pods/portforward`, async () => {
      const child = spawn('kubectl', ['port-forward', '--address', '127.0.0.1', 'pod/web', ':80'], { env: { ...env, KUBECTL_PORT_FORWARD_WEBSOCKETS: websockets }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
      try {
        const port = Number(await waitFor('kubectl listening', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000, 100));
        const socket = connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        socket.end('GET / HTTP/1.0\r\n\r\n');
        assert.equal(await exited, 1);
        assert.match(err, new RegExp(`"Unhandled Error" err="an error occurred forwarding ${port} -> 80: nodes \\\\"ghost\\\\" not found"\\nerror: lost connection to pod\\n$`));
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      const streams = (): AuditEvent[] =>
        readFileSync(s.auditLogPath!, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as AuditEvent)
          .filter((e) => e.method === 'kite.core.v1.PodService/PortForwardPod');
      await waitFor('the port-forward audit line', () => streams().length > 0 || undefined, 5000);
      const last = streams().at(-1)!;
      assert.deepEqual([last.user, last.verb, last.resource, last.decision], ['kubernetes-admin', 'create', 'pods/portforward', 'allow']);
    });
  }
});
