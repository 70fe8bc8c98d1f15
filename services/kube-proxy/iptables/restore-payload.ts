// Builds iptables-restore input for --noflush mode: per table, the chain declarations (which
// create or flush a chain), then rules, then chain deletions. Only chains declared here are
// flushed; every other chain of the table is left as it is, which is what lets a sync rewrite
// only the chains that changed.

export class RestoreTable {
  /** Declarations of the table's top-level chains, rewritten on every sync. */
  readonly chains: string[] = [];
  /** Rules of those chains. */
  readonly rules: string[] = [];
  /** Declarations of per-object chains (e.g. one service's chains) written this time. */
  readonly chunkChains: string[] = [];
  readonly chunkRules: string[] = [];
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

  /** Adds a group of chains with their rules. */
  addChunk(chains: string[], rules: string[]): void {
    for (const c of chains) this.chunkChains.push(`:${c} - [0:0]`);
    this.chunkRules.push(...rules);
  }

  deleteChain(chain: string): void {
    this.deleted.push(chain);
  }

  /** True when applying this table after `previous` would change nothing. */
  isNoOp(previous: RestoreTable | undefined): boolean {
    return (
      !!previous &&
      this.prelude.length === 0 &&
      this.deleted.length === 0 &&
      this.chunkChains.length === 0 &&
      this.chunkRules.length === 0 &&
      arraysEqual(this.chains, previous.chains) &&
      arraysEqual(this.rules, previous.rules)
    );
  }

  render(): string {
    const lines = [
      `*${this.name}`,
      ...this.chains,
      ...this.chunkChains,
      // A deleted chain is declared (flushed) first, so rules in other deleted chains no longer reference it.
      ...this.deleted.map((c) => `:${c} - [0:0]`),
      ...this.prelude,
      ...this.rules,
      ...this.chunkRules,
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
