// The boundary to the kernel's iptables: read the current rules, apply a restore payload.
// The real runner spawns iptables-save / iptables-restore, optionally inside a network
// namespace (tests and benchmarks never touch the machine's own rules).
import { netnsPrefix, runCommand } from '../exec';

export interface IptablesRunner {
  /** iptables-save output for every table. */
  save(): Promise<string>;
  /** Applies a payload with iptables-restore --noflush; rejects with RestoreError. */
  restore(payload: string): Promise<void>;
  /** The rules of one chain ("-A CHAIN ..." lines, iptables -S): a cheap read of one built-in chain. */
  listRules(table: string, chain: string): Promise<string[]>;
}

export class RestoreError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    /** 1-based line of the payload iptables-restore rejected, when it said. */
    readonly line?: number,
    readonly lineText?: string,
  ) {
    super(message);
    this.name = 'RestoreError';
  }
}

/**
 * Builds a RestoreError from iptables-restore's stderr, which names the failing line either
 * as "Error occurred at line: N" (parse errors) or "line N: ... failed" (kernel errors).
 */
export function restoreError(stderr: string, payload: string): RestoreError {
  const match = /Error occurred at line: (\d+)/.exec(stderr) ?? /line (\d+)(?::| failed)/.exec(stderr);
  const reason = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Try `') && !l.startsWith('Error occurred at line'))
    .join(' ');
  if (!match) return new RestoreError(`iptables-restore failed: ${reason}`, stderr);
  const line = Number(match[1]);
  const lineText = payload.split('\n')[line - 1];
  return new RestoreError(`iptables-restore failed at line ${line} (${lineText}): ${reason}`, stderr, line, lineText);
}

export interface ExecIptablesRunnerOptions {
  /** Network namespace to run in (ip netns exec); the current one when unset. */
  netns?: string;
}

export class ExecIptablesRunner implements IptablesRunner {
  private readonly prefix: string[];

  constructor(options: ExecIptablesRunnerOptions = {}) {
    this.prefix = netnsPrefix(options.netns);
  }

  async save(): Promise<string> {
    const result = await runCommand([...this.prefix, 'iptables-save']);
    if (result.code !== 0) throw new Error(`iptables-save failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  async restore(payload: string): Promise<void> {
    const result = await runCommand([...this.prefix, 'iptables-restore', '--noflush'], payload);
    if (result.code !== 0) throw restoreError(result.stderr, payload);
  }

  async listRules(table: string, chain: string): Promise<string[]> {
    const result = await runCommand([...this.prefix, 'iptables', '-w', '-t', table, '-S', chain]);
    if (result.code !== 0) throw new Error(`iptables -S ${chain} failed: ${result.stderr.trim()}`);
    return result.stdout.split('\n').filter((l) => l.startsWith('-A '));
  }
}
