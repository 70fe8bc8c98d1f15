// Starts a real apiserver in-process for tests: SQLite in a temp dir (or the given store),
// plaintext gRPC on 127.0.0.1 with a free port, without the ServiceAccount admission unless asked
// (./admission.ts). stop() removes everything it made.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../../lib/client/clientset';
import { NO_RETRY } from '../../lib/client/retry';
import { startApiserver, type Apiserver, type ApiserverConfig } from '../../services/apiserver/server';
import { testAdmission } from './admission';

export interface TestApiserver {
  address: string;
  server: Apiserver;
  dataDir: string;
  /** A client with no retries, so tests see errors as they happen. */
  client(): Clientset;
  stop(): Promise<void>;
}

export async function startTestApiserver(opts: Partial<ApiserverConfig> = {}): Promise<TestApiserver> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kite-apiserver-'));
  const server = await startApiserver({ bindAddress: '127.0.0.1', port: 0, dataDir, compactionIntervalMs: 0, ...opts, ...testAdmission(opts) });
  const clients: Clientset[] = [];
  return {
    address: server.address,
    server,
    dataDir,
    client() {
      const c = new Clientset({ address: server.address, tls: false, namespace: 'default', source: 'test' }, { retry: NO_RETRY, timeoutMs: 10_000 });
      clients.push(c);
      return c;
    },
    async stop() {
      clients.forEach((c) => c.close());
      await server.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
