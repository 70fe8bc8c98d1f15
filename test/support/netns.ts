// Network namespaces for tests that need real iptables and routes without touching the
// machine's own: a NetnsSandbox creates uniquely named namespaces, veth pairs and bridges
// (all interfaces live inside the sandbox's namespaces, none in the root one) and processes
// run in them, and removes everything in cleanup() (call it from mocha's after(), which runs
// even when tests fail). Deleting a namespace deletes its interfaces and iptables rules.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { checkCommand } from '../../services/kube-proxy/exec';

const prefix = 'kite-t';
let sandboxCounter = 0;

/** True when this process can create network namespaces (root with iproute2). */
export function canUseNetns(): boolean {
  return process.getuid?.() === 0;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces left by sandboxes of test processes that died before cleaning up. */
export async function removeStaleNamespaces(): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return;
  }
  for (const name of names) {
    const pid = new RegExp(`^${prefix}(\\d+)-`).exec(name)?.[1];
    if (pid && !pidAlive(Number(pid))) await checkCommand(['ip', 'netns', 'del', name]).catch(() => undefined);
  }
}

export class NetnsSandbox {
  /** Unique per process and sandbox, so parallel runs and leftovers never collide. */
  readonly id = `${prefix}${process.pid}-${++sandboxCounter}`;
  private readonly namespaces: string[] = [];
  private readonly processes: ChildProcess[] = [];

  /** Creates namespace "<id>-<role>" with loopback up; returns its name. */
  async netns(role: string): Promise<string> {
    const name = `${this.id}-${role}`;
    await checkCommand(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** Runs `ip -n ns ...`. */
  ip(ns: string, ...args: string[]): Promise<string> {
    return checkCommand(['ip', '-n', ns, ...args]);
  }

  /** Runs a command inside a namespace and returns its stdout (rejects on failure). */
  exec(ns: string, argv: string[], input?: string): Promise<string> {
    return checkCommand(['ip', 'netns', 'exec', ns, ...argv], input);
  }

  /** Sets a sysctl of a namespace, e.g. ("net.ipv4.ip_forward", "1"). */
  sysctl(ns: string, key: string, value: string): Promise<string> {
    return this.exec(ns, ['sysctl', '-q', '-w', `${key}=${value}`]);
  }

  /**
   * A veth pair between two namespaces, each end up and optionally addressed (CIDR).
   * Interface names only need to be unique inside their namespace.
   */
  async veth(a: { ns: string; dev: string; cidr?: string }, b: { ns: string; dev: string; cidr?: string }): Promise<void> {
    await this.ip(a.ns, 'link', 'add', a.dev, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns);
    for (const end of [a, b]) {
      if (end.cidr) await this.ip(end.ns, 'addr', 'add', end.cidr, 'dev', end.dev);
      await this.ip(end.ns, 'link', 'set', end.dev, 'up');
    }
  }

  /** A bridge in a namespace, up, with an address (its subnet's gateway). */
  async bridge(ns: string, dev: string, cidr: string): Promise<void> {
    await this.ip(ns, 'link', 'add', dev, 'type', 'bridge');
    await this.ip(ns, 'addr', 'add', cidr, 'dev', dev);
    await this.ip(ns, 'link', 'set', dev, 'up');
  }

  /**
   * Adds a namespace ("pod") behind a bridge: veth eth0 with `cidr`, default route via
   * `gateway`. The bridge port is in hairpin mode, as kubenet and Docker (without its userland
   * proxy) set it: with br_netfilter, a pod reaching itself through a service is DNATed back
   * out of the port it came in on.
   */
  async attachToBridge(bridgeNs: string, bridge: string, role: string, cidr: string, gateway: string): Promise<string> {
    const ns = await this.netns(role);
    const hostDev = `veth-${role}`.slice(0, 15);
    await this.veth({ ns: bridgeNs, dev: hostDev }, { ns, dev: 'eth0', cidr });
    await this.ip(bridgeNs, 'link', 'set', hostDev, 'master', bridge);
    await this.ip(bridgeNs, 'link', 'set', hostDev, 'type', 'bridge_slave', 'hairpin', 'on');
    await this.ip(ns, 'route', 'add', 'default', 'via', gateway);
    return ns;
  }

  /** Starts a long-running process in a namespace; it is killed in cleanup(). */
  spawn(ns: string, argv: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.processes.push(child);
    return child;
  }

  /** Kills the processes, then deletes the namespaces (and with them interfaces and rules). */
  async cleanup(): Promise<void> {
    await Promise.all(
      this.processes.splice(0).map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    const errors: string[] = [];
    for (const ns of this.namespaces.splice(0).reverse()) {
      await checkCommand(['ip', 'netns', 'del', ns]).catch((err: Error) => errors.push(err.message));
    }
    if (errors.length) throw new Error(`netns cleanup failed: ${errors.join('; ')}`);
  }
}
