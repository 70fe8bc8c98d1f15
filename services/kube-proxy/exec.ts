// Runs a command with optional stdin and collects its output. Used for iptables and ip, which
// report errors on stderr with a non-zero exit code.
import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: CommandResult,
  ) {
    super(`${argv.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
    this.name = 'CommandError';
  }
}

/** Runs argv[0] with the rest as arguments; resolves whatever the exit code. */
export function runCommand(argv: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        code: code ?? (signal ? 128 : 1),
      }),
    );
    // A command that fails before reading stdin closes the pipe; its exit code tells why.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Runs argv and rejects with CommandError on a non-zero exit code. */
export async function checkCommand(argv: string[], input?: string): Promise<string> {
  const result = await runCommand(argv, input);
  if (result.code !== 0) throw new CommandError(argv, result);
  return result.stdout;
}

/** The argv prefix that runs a command inside a named network namespace (none for the current one). */
export function netnsPrefix(netns: string | undefined): string[] {
  return netns ? ['ip', 'netns', 'exec', netns] : [];
}
