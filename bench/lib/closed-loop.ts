// Closed- and open-loop load for the API benchmarks: `clients` callers each waiting for its
// previous call, or calls started at a fixed rate, with every call's latency and the CPU a process
// (the caller's own, or the apiserver's) used per call.
import { readFileSync } from 'node:fs';

export interface Phase {
  ops: number;
  seconds: number;
  latenciesMs: number[];
  /** CPU time of the measured process per call. */
  cpuMsPerOp: number;
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; 100 ticks/s). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Runs op(i) for i in [0, ops) with `clients` callers, each waiting for its previous call, and
 * records the CPU the process `pid` used meanwhile.
 */
export async function closedLoop(pid: number, ops: number, clients: number, op: (i: number) => Promise<void>): Promise<Phase> {
  const latenciesMs: number[] = [];
  let next = 0;
  const cpu = processCpuMs(pid);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < ops) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latenciesMs.push(performance.now() - t);
      }
    }),
  );
  return { ops, seconds: (performance.now() - start) / 1000, latenciesMs, cpuMsPerOp: (processCpuMs(pid) - cpu) / ops };
}

/** Starts op(i) at a fixed rate regardless of completions (open loop), for `seconds`. */
export async function openLoop(pid: number, perSecond: number, seconds: number, op: (i: number) => Promise<void>): Promise<Phase> {
  const total = Math.round(perSecond * seconds);
  const latenciesMs: number[] = [];
  const cpu = processCpuMs(pid);
  const start = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Latency from when the write was due, so a stalled sender shows up as latency too.
    calls.push(op(i).then(() => void latenciesMs.push(performance.now() - due)));
  }
  await Promise.all(calls);
  return { ops: total, seconds: (performance.now() - start) / 1000, latenciesMs, cpuMsPerOp: (processCpuMs(pid) - cpu) / total };
}
