// Storage backends by name: the apiserver's --store flag picks one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_AUTO_COMPACTION, type AutoCompactionOptions } from './auto-compaction';
import { EtcdStorage } from './etcd';
import { StorageError, type Storage } from './interface';
import { SqliteStorage } from './sqlite';
import { TransformedStorage } from './transformed-storage';
import type { Transformer } from './value/transformer';

export * from './interface';
export { DEFAULT_AUTO_COMPACTION, type AutoCompactionOptions } from './auto-compaction';
export { EtcdStorage, type EtcdStorageOptions } from './etcd';
export { SqliteStorage, type SqliteStorageOptions } from './sqlite';
export { EncryptionTransformers, loadEncryptionConfig } from './encryption-config';
export { TransformedStorage } from './transformed-storage';

export type StorageBackend = 'sqlite' | 'etcd';

export interface OpenStorageOptions {
  backend: StorageBackend;
  /** sqlite: directory holding kite.db. */
  dataDir?: string;
  /** etcd: member addresses ("host:port" or URLs). */
  etcdEndpoints?: string[];
  /** etcd: the CA that signs the members' certificates, and the apiserver's client pair (kube-apiserver's --etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  etcdTLS?: { caFile: string; certFile?: string; keyFile?: string };
  /** Automatic compaction period; 0 disables it. Default 5 minutes (kube-apiserver's). */
  compactionIntervalMs?: number;
  /** Revisions kept behind the current one by automatic compaction. */
  compactionRetainRevisions?: number;
  /** The transformer of each key's value at rest (--encryption-provider-config); absent: values as they are. */
  transformerFor?: (key: string) => Transformer;
}

export const SQLITE_FILE = 'kite.db';

export function openStorage(opts: OpenStorageOptions): Storage {
  const backend = openBackend(opts);
  return opts.transformerFor ? new TransformedStorage(backend, opts.transformerFor) : backend;
}

function openBackend(opts: OpenStorageOptions): Storage {
  const intervalMs = opts.compactionIntervalMs ?? DEFAULT_AUTO_COMPACTION.intervalMs;
  const autoCompaction: AutoCompactionOptions | undefined =
    intervalMs > 0 ? { intervalMs, retainRevisions: opts.compactionRetainRevisions ?? DEFAULT_AUTO_COMPACTION.retainRevisions } : undefined;
  switch (opts.backend) {
    case 'sqlite':
      if (!opts.dataDir) throw new StorageError('the sqlite store needs a data directory (--data-dir)');
      return new SqliteStorage({ path: join(opts.dataDir, SQLITE_FILE), autoCompaction });
    case 'etcd':
      if (!opts.etcdEndpoints?.length) throw new StorageError('the etcd store needs endpoints (--etcd-endpoints)');
      return new EtcdStorage({ endpoints: opts.etcdEndpoints, autoCompaction, client: opts.etcdTLS ? { credentials: etcdCredentials(opts.etcdTLS) } : undefined });
    default:
      throw new StorageError(`unknown storage backend ${String(opts.backend)} (want sqlite or etcd)`);
  }
}

function etcdCredentials(tls: NonNullable<OpenStorageOptions['etcdTLS']>) {
  if (!tls.certFile !== !tls.keyFile) throw new StorageError('--etcd-certfile and --etcd-keyfile go together');
  return {
    rootCertificate: readFileSync(tls.caFile),
    ...(tls.certFile && tls.keyFile ? { certChain: readFileSync(tls.certFile), privateKey: readFileSync(tls.keyFile) } : {}),
  };
}
