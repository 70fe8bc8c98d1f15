// Writes one benchmark's results into docs/benchmarks.md as its own section ("## bench:api"),
// replacing that section and keeping the others, with the command that reproduces it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';

export const BENCHMARKS_FILE = join(__dirname, '..', '..', 'docs', 'benchmarks.md');

const HEADER = `# Benchmarks

Each section is written by the benchmark named in its heading, with the command that reproduces
it. Figures are from one run on the machine named; ratios against the raw floor measured in the
same run matter more than absolute numbers (2-core VMs are noisy).

Benchmarks and the programs they start use config files of their own (never \`~/.kite/config\`,
\`~/.kube/config\`, \`$KITECONFIG\` or \`$KUBECONFIG\`), and a program or worker process that exits
before the benchmark stops it fails the benchmark at once with its last log lines
(bench/lib/processes.ts).
`;

export function writeBenchmarkSection(name: string, command: string, markdown: string, file = BENCHMARKS_FILE): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node.js ${process.version}`;
  const section = `## ${name}\n\n\`${command}\` on ${new Date().toISOString().slice(0, 10)}, ${machine}\n\n${markdown.trim()}\n`;
  const parts = text.split(/^(?=## )/m);
  const i = parts.findIndex((p) => p.startsWith(`## ${name}\n`));
  if (i >= 0) parts[i] = `${section}\n`;
  else parts.push(`${parts[parts.length - 1].endsWith('\n\n') ? '' : '\n'}${section}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, parts.join(''));
}
