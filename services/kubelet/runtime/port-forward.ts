// CRI's PortForward for the Docker runtime: a connection to a port on localhost inside a pod
// sandbox's network namespace, as containerd makes it (and dockershim did with `nsenter -t PID
// -n socat - TCP4:localhost:PORT`), so a port the pod binds only to its loopback is reachable. Node
// cannot enter a namespace itself: `nsenter -n` runs the kubelet's own node binary in the
// sandbox's network namespace (its files stay the kubelet's) with a relay that tries 127.0.0.1
// then ::1 and pipes the connection to its stdin and stdout; it says "ok" or why not on stderr.
import { spawn } from 'node:child_process';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { RuntimeError } from './errors';

/** Runs inside the namespace: argv[1] is the port. Errors are worded as Go's dialer words them. */
const RELAY = `
const net = require('net');
const port = Number(process.argv[1]);
const words = { ECONNREFUSED: 'connection refused', EADDRNOTAVAIL: 'cannot assign requested address', ENETUNREACH: 'network is unreachable', ETIMEDOUT: 'connection timed out' };
const tries = [['127.0.0.1', 'tcp4', '127.0.0.1'], ['::1', 'tcp6', '[::1]']];
const failures = [];
const attempt = (i) => {
  if (i === tries.length) {
    process.stderr.write('failed: ' + failures.join(' ') + '\\n', () => process.exit(1));
    return;
  }
  const [host, network, shown] = tries[i];
  const socket = net.connect({ host, port });
  socket.once('error', (err) => {
    failures.push((i === 0 ? 'IPv4: ' : 'IPv6 ') + 'dial ' + network + ' ' + shown + ':' + port + ': connect: ' + (words[err.code] || err.message));
    attempt(i + 1);
  });
  socket.once('connect', () => {
    socket.removeAllListeners('error');
    socket.on('error', () => process.exit(1));
    socket.on('close', () => process.exit(0));
    process.stderr.write('ok\\n');
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
  });
};
attempt(0);
`;

/** The relay's stdout and stdin as one connection, with backpressure; destroying it ends the relay. */
function relayStream(out: Readable, input: Writable, kill: () => void): Duplex {
  input.on('error', () => undefined);
  const stream = new Duplex({
    read: () => void out.resume(),
    write: (chunk: Buffer, _encoding, done) => void input.write(chunk, done),
    final: (done) => void input.end(done),
    destroy: (err, done) => {
      kill();
      done(err);
    },
  });
  out.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) out.pause();
  });
  out.on('end', () => stream.push(null));
  return stream;
}

/** A duplex to `port` on localhost in the network namespace of process `pid` (a sandbox's pause process). */
export function dialInNetworkNamespace(pid: number, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY, String(port)], {
      // The relay is plain JavaScript: none of the kubelet's loaders or options.
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let said = '';
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new RuntimeError('PortForwardError', `failed to connect to localhost:${port} inside the network namespace of process ${pid}, ${message}`));
    };
    child.once('error', (err) => fail(err.message));
    // 'close': after its stderr was read to the end.
    child.once('close', () => fail(said.replace(/^failed: /, '').trim() || 'the relay ended before connecting'));
    child.stderr.on('data', (chunk: Buffer) => {
      if (settled) return;
      said += chunk.toString('utf8');
      if (!said.startsWith('ok\n')) return;
      settled = true;
      resolve(relayStream(child.stdout, child.stdin, () => child.kill('SIGKILL')));
    });
  });
}
