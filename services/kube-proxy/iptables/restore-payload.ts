// Builds iptables-restore input for --noflush mode: per table, the chain declarations (which
// create or flush a chain), then rules, then chain deletions. Only chains declared here are
// flushed; every other chain of the table is left as it is.

export class RestoreTable {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  readonly deletions: string[] = [];

  constructor(readonly name: string) {}

  /** Creates the chain, or flushes it when it exists. */
  declareChain(chain: string): void {
    this.chains.push(`:${chain} - [0:0]`);
  }

  /** Adds one rule line, e.g. "-A KUBE-SERVICES ... -j KUBE-SVC-X". */
  rule(...words: string[]): void {
    this.rules.push(words.join(' '));
  }

  /** Deletes a chain (declared in this payload so it is flushed first). */
  deleteChain(chain: string): void {
    this.declareChain(chain);
    this.deletions.push(`-X ${chain}`);
  }

  render(): string {
    const lines = [`*${this.name}`, ...this.chains, ...this.rules, ...this.deletions, 'COMMIT'];
    return lines.join('\n') + '\n';
  }
}

export function renderRestore(tables: RestoreTable[]): string {
  return tables.map((t) => t.render()).join('');
}
