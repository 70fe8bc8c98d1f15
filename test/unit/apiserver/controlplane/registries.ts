// The registries the control-plane controllers write through, over a real SQLite store in a
// temporary directory (no gRPC), for the endpoint reconciler and kubernetes-service tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as K from '../../../../lib/api/kinds';
import { DEFAULT_DEFAULTING } from '../../../../services/apiserver/registry/defaults';
import { Registry } from '../../../../services/apiserver/registry/registry';
import { ServiceAllocators } from '../../../../services/apiserver/registry/service-allocators';
import { strategies } from '../../../../services/apiserver/registry/strategies';
import { SqliteStorage } from '../../../../services/apiserver/storage';

export interface TestRegistries {
  registry<T extends K.KubeObject>(kind: K.KindInfo<T>): Registry<T>;
  close(): Promise<void>;
}

export function openTestRegistries(): TestRegistries {
  const dir = mkdtempSync(join(tmpdir(), 'kite-controlplane-'));
  const storage = new SqliteStorage({ path: join(dir, 'kite.db') });
  const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
  const made = new Map<string, Registry<any>>();
  return {
    registry<T extends K.KubeObject>(kind: K.KindInfo<T>): Registry<T> {
      let r = made.get(kind.kind);
      if (!r) {
        r = new Registry(kind, storage, byKind.get(kind)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
        made.set(kind.kind, r);
      }
      return r as Registry<T>;
    },
    async close() {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
