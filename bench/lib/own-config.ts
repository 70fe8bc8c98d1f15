// Imported by every benchmark before it builds a client or starts a program: the benchmark and
// each process it starts read and write config files of their own, never the user's
// ~/.kite/config, ~/.kube/config or $KITECONFIG / $KUBECONFIG (a context there naming a TLS
// server would turn the benchmark's plaintext `--server host:port` into TLS), nor a pod's
// in-cluster configuration.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'kite-bench-config-'));
process.env.KITECONFIG = join(dir, 'kite-config');
process.env.KUBECONFIG = join(dir, 'kube-config');
delete process.env.KUBERNETES_SERVICE_HOST;
delete process.env.KUBERNETES_SERVICE_PORT;
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
