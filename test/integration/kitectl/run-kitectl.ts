// Runs kitectl in-process (fast) against a test apiserver, capturing stdout, stderr and the exit code.
import { run } from '../../../services/kitectl/main';

export interface KitectlResult {
  code: number;
  out: string;
  err: string;
}

export interface RunOptions {
  stdin?: string;
  signal?: AbortSignal;
  /** Called with each chunk written to stdout (for streaming verbs such as get -w). */
  onOut?: (all: string) => void;
}

export async function kitectl(args: string[], opts: RunOptions = {}): Promise<KitectlResult> {
  let out = '';
  let err = '';
  const code = await run(args, {
    out: (s) => {
      out += s;
      opts.onOut?.(out);
    },
    err: (s) => {
      err += s;
    },
    readStdin: async () => opts.stdin ?? '',
    signal: opts.signal ?? new AbortController().signal,
  });
  return { code, out, err };
}

/** Splits table output into rows of cells (cells are separated by 2+ spaces). */
export function rows(table: string): string[][] {
  return table
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/ {2,}/));
}
