// Builds iptables-restore input for --noflush mode: per table, the chain declarations (which
// create or flush a chain), then rules, then chain deletions. Only chains declared here are
// flushed; every other chain of the table is left as it is.

export class RestoreTable {
  /** Declarations of the chains this table's rules live in. */
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  /** Edits of shared built-in chains (jump rule fixes), applied before the rules. */
  readonly prelude: string[] = [];
  /** Chains to flush and delete. */
  readonly deleted: string[] = [];

  constructor(readonly name: string) {}

  /** Creates the chain, or flushes it when it exists. */
  declareChain(chain: string): void {
    this.chains.push(`:${chain} - [0:0]`);
  }

  /** Adds one rule line, e.g. "-A KUBE-SERVICES ... -j KUBE-SVC-X". */
  rule(...words: string[]): void {
    this.rules.push(words.join(' '));
  }

  deleteChain(chain: string): void {
    this.deleted.push(chain);
  }

  /** True when both declare the same chains with the same rules (deletions and prelude aside). */
  sameRules(other: RestoreTable | undefined): boolean {
    return !!other && arraysEqual(this.chains, other.chains) && arraysEqual(this.rules, other.rules);
  }

  /** True when applying this table would change nothing beyond sameRules. */
  onlyRules(): boolean {
    return this.prelude.length === 0 && this.deleted.length === 0;
  }

  render(): string {
    const lines = [
      `*${this.name}`,
      ...this.chains,
      // A deleted chain is declared (flushed) first, so rules in other deleted chains no longer reference it.
      ...this.deleted.map((c) => `:${c} - [0:0]`),
      ...this.prelude,
      ...this.rules,
      ...this.deleted.map((c) => `-X ${c}`),
      'COMMIT',
    ];
    return lines.join('\n') + '\n';
  }
}

function arraysEqual(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function renderRestore(tables: RestoreTable[]): string {
  return tables.map((t) => t.render()).join('');
}
