// Starts the apiserver as its own process (bin/kite-apiserver, plaintext on 127.0.0.1, SQLite in a
// temp dir, the ServiceAccount admission off unless asked: ./admission.ts), for tests that must see
// whether a request can end the process. stop() kills it by
// pid and removes its data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../../lib/client/clientset';
import { NO_RETRY } from '../../lib/client/retry';
import { freePort } from '../../lib/util/net';
import { testAdmissionFlags } from './admission';
import { waitFor } from './wait';

const ROOT = join(__dirname, '..', '..');

export interface ApiserverProcess {
  address: string;
  proc: ChildProcess;
  /** A client with no retries, so tests see errors as they happen. */
  client: Clientset;
  /** The last 16 KiB the process wrote to stderr (its logs at warn and above). */
  stderr(): string;
  /** Still running, and a list answers. */
  answers(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface ApiserverProcessOptions {
  /** The gRPC port (default: a free one); a restarted apiserver takes its predecessor's, so clients follow it. */
  port?: number;
}

export async function startApiserverProcess(args: string[] = [], opts: ApiserverProcessOptions = {}): Promise<ApiserverProcess> {
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'kite-apiserver-proc-'));
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'kite-apiserver'), '--port', String(port), '--bind-address', '127.0.0.1', '--data-dir', dataDir, '--compaction-interval', '0', ...testAdmissionFlags(args), ...args],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KITE_LOG_LEVEL: 'warn' } },
  );
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-16_384)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const address = `127.0.0.1:${port}`;
  const client = new Clientset({ address, tls: false, namespace: 'default', source: 'test' }, { retry: NO_RETRY, timeoutMs: 5000 });
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const stop = async () => {
    client.close();
    if (running()) proc.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor('the apiserver process to serve', async () => {
      if (!running()) throw new Error(`apiserver exited: ${err}`);
      return (await client.namespaces.get('default').then(() => true, () => false)) || undefined;
    }, 30_000, 100);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    address,
    proc,
    client,
    stderr: () => err,
    answers: async () => running() && (await client.namespaces.list().then(() => true, () => false)),
    stop,
  };
}
