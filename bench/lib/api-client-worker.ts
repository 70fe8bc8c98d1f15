// A bench:api client process: its share of the writers, over a connection of its own, so the
// clients' CPU is not the apiserver's nor the raw floor's event loop. Driven by bench/api.ts over
// IPC: one phase at a time, pod creates or updates of the indices it is given (the same worker
// updates the pods it created), closed loop with its share of the callers, or open loop at a
// fixed rate; it replies with every call's latency and its own CPU per call.
import { Clientset } from '../../lib/client/clientset';
import { Pod } from '../../lib/gen/kite/core/v1/types';
import { closedLoop, openLoop, type Phase } from './closed-loop';

export type Workload = 'create' | 'update';

export type ClientCommand =
  | { cmd: 'start'; address: string }
  | { cmd: 'closed'; workload: Workload; run: string; indices: number[]; clients: number }
  | { cmd: 'open'; run: string; perSecond: number; seconds: number };

/** Ready (started, then connected), a phase's result with the client process's own CPU per call, or what went wrong. */
export type ClientReply = { ready: true } | { phase: Phase } | { error: string };

export function benchPod(run: string, i: number): Pod {
  return Pod.fromPartial({
    metadata: { name: `${run}-${i}`, namespace: 'default', labels: { app: 'bench', run } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });
}

function run(): void {
  let client: Clientset | undefined;
  const pods = new Map<string, Pod>();
  const create = async (run: string, i: number) => {
    pods.set(`${run}-${i}`, await client!.pods.create(benchPod(run, i)));
  };
  const update = async (run: string, i: number) => {
    const p = pods.get(`${run}-${i}`)!;
    p.metadata!.annotations = { gen: '1' };
    pods.set(`${run}-${i}`, await client!.pods.update(p));
  };
  const reply = (r: ClientReply) => process.send!(r);

  process.on('message', (msg: ClientCommand) => {
    if (msg.cmd === 'start') {
      client = new Clientset({ address: msg.address, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 });
      void client.waitForReady(30_000).then(
        () => reply({ ready: true }),
        (err: Error) => reply({ error: err.message }),
      );
    } else if (msg.cmd === 'closed') {
      const op = msg.workload === 'create' ? create : update;
      closedLoop(process.pid, msg.indices.length, msg.clients, (k) => op(msg.run, msg.indices[k])).then(
        (phase) => reply({ phase }),
        (err: Error) => reply({ error: err.message }),
      );
    } else {
      openLoop(process.pid, msg.perSecond, msg.seconds, (i) => create(msg.run, i)).then(
        (phase) => reply({ phase }),
        (err: Error) => reply({ error: err.message }),
      );
    }
  });
  reply({ ready: true });
}

if (require.main === module) run();
