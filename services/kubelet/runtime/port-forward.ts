// CRI's PortForward for the Docker runtime: a connection to a port on localhost inside a pod
// sandbox's network namespace, as containerd makes it (and dockershim did with `nsenter -t PID
// -n socat - TCP4:localhost:PORT`), so a port the pod binds only to its loopback is reachable. Node
// cannot enter a namespace itself: `nsenter -n` runs the kubelet's own node binary in the
// sandbox's network namespace (its files stay the kubelet's) with a relay that tries 127.0.0.1
// then ::1 and pipes the connection to its stdin and stdout; it says "ok" or why not on stderr.
// A kubelet that may not enter namespaces (a `kite` cluster's kubelet container has neither the
// node's PID namespace nor CAP_SYS_ADMIN) dials the pod's IP instead, which its node routes: there
// a port bound only to the pod's loopback is not reachable.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { RuntimeError } from './errors';

/** Dial errors as Go's dialer words them. */
const WORDS: Record<string, string> = { ECONNREFUSED: 'connection refused', EADDRNOTAVAIL: 'cannot assign requested address', ENETUNREACH: 'network is unreachable', EHOSTUNREACH: 'no route to host', ETIMEDOUT: 'connection timed out' };

/** Runs inside the namespace: argv[1] is the port. */
const RELAY = `
const net = require('net');
const port = Number(process.argv[1]);
const words = ${JSON.stringify(WORDS)};
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
    // Exit once everything read is written out: a pipe to a busy kubelet may still hold some back.
    socket.on('close', () => process.stdout.write('', () => process.exit(0)));
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

/** nsenter could not enter the namespace (not permitted, no such process): nothing was dialled. */
class NamespaceEntryError extends RuntimeError {}

/** The kubelet sees process `pid` as container `containerId`'s (not another process of its own PID namespace under that number). */
async function isContainerProcess(pid: number, containerId: string): Promise<boolean> {
  const cgroups = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  return cgroups.includes(containerId);
}

/**
 * A connection to `port` of a pod: localhost in the network namespace of `pid` (its sandbox's
 * pause process; with `containerId`, only if the kubelet sees that process as the container's),
 * or, where the kubelet may not enter it, the pod's IP (`podIP`; empty: none).
 */
export async function dialPodPort(pid: number, podIP: string, port: number, containerId?: string): Promise<Duplex> {
  if (containerId && podIP && !(await isContainerProcess(pid, containerId))) return dialAddress(podIP, port);
  try {
    return await dialInNetworkNamespace(pid, port);
  } catch (err) {
    if (!(err instanceof NamespaceEntryError) || !podIP) throw err;
    return dialAddress(podIP, port);
  }
}

function dialAddress(ip: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ip, port });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new RuntimeError('PortForwardError', `dial tcp4 ${ip}:${port}: connect: ${WORDS[err.code ?? ''] ?? err.message}`)));
  });
}

/** A duplex to `port` on localhost in the network namespace of process `pid`. */
function dialInNetworkNamespace(pid: number, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY, String(port)], {
      // The relay is plain JavaScript: none of the kubelet's loaders or options.
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let said = '';
    let settled = false;
    const fail = (entered: boolean, message: string) => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      if (!entered) return reject(new NamespaceEntryError('PortForwardError', message));
      reject(new RuntimeError('PortForwardError', `failed to connect to localhost:${port} inside the network namespace of process ${pid}, ${message}`));
    };
    child.once('error', (err) => fail(false, err.message));
    // 'close': after its stderr was read to the end. Only the relay (in the namespace) says "failed: ".
    child.once('close', () => (said.startsWith('failed: ') ? fail(true, said.slice('failed: '.length).trim()) : fail(false, said.trim() || 'nsenter ended before the relay connected')));
    child.stderr.on('data', (chunk: Buffer) => {
      if (settled) return;
      said += chunk.toString('utf8');
      if (!said.startsWith('ok\n')) return;
      settled = true;
      resolve(relayStream(child.stdout, child.stdin, () => child.kill('SIGKILL')));
    });
  });
}
