// Builds iptables-restore input for --noflush mode: per table, the chain declarations (which
// create or flush a chain), then rules, then chain deletions. Only chains declared here are
// flushed; every other chain of the table is left as it is, which is what lets a sync rewrite
// only the chains that changed.

export class RestoreTable {
  /** Declarations of the table's top-level chains, rewritten on every sync. */
  readonly chains: string[] = [];
  /** Rules of those chains. */
  readonly rules: string[] = [];
  /** Groups of per-object chains (e.g. one service's chains) with their rules, written this time. */
  readonly chunks: Array<{ chains: string[]; rules: string[] }> = [];
  /** Edits of shared built-in chains (jump rule fixes), applied before the rules. */
  readonly prelude: string[] = [];
  /** Chains to flush and delete. */
  readonly deleted: string[] = [];
  /** Top-level chains that chunk rules jump to, with their rules: repeated in every chunk batch. */
  private readonly chunkDependencies: Array<{ chain: string; rules: string[] }> = [];

  constructor(readonly name: string) {}

  /** Creates the chain, or flushes it when it exists. */
  declareChain(chain: string): void {
    this.chains.push(`:${chain} - [0:0]`);
  }

  /** Declares a top-level chain that chunks jump to (e.g. KUBE-MARK-MASQ), with its rules. */
  declareChunkDependency(chain: string, rules: string[]): void {
    this.declareChain(chain);
    this.rules.push(...rules);
    this.chunkDependencies.push({ chain, rules });
  }

  /** Adds one rule line, e.g. "-A KUBE-SERVICES ... -j KUBE-SVC-X". */
  rule(...words: string[]): void {
    this.rules.push(words.join(' '));
  }

  /** Adds a group of chains with their rules; a group is always applied in one transaction. */
  addChunk(chains: string[], rules: string[]): void {
    this.chunks.push({ chains, rules });
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
      this.chunks.length === 0 &&
      arraysEqual(this.chains, previous.chains) &&
      arraysEqual(this.rules, previous.rules)
    );
  }

  render(): string {
    return this.renderWith(this.chunks);
  }

  /**
   * The table as transactions of at most about `maxChains` chunk chains each: chunk batches
   * first, then one with the top-level chains, jump fixes and deletions. iptables-nft's
   * --noflush restore time grows with the square of the chains declared in one transaction,
   * so many small transactions are much faster than one big one; each chunk stays atomic,
   * and the top-level chains only point at new chunks once those exist.
   */
  renderBatches(maxChains: number): string[] {
    const total = this.chunks.reduce((n, c) => n + c.chains.length, 0);
    if (total <= maxChains) return [this.render()];
    const batches: string[] = [];
    let batch: RestoreTable['chunks'] = [];
    let size = 0;
    for (const chunk of this.chunks) {
      if (size > 0 && size + chunk.chains.length > maxChains) {
        batches.push(this.renderChunkBatch(batch));
        batch = [];
        size = 0;
      }
      batch.push(chunk);
      size += chunk.chains.length;
    }
    if (batch.length) batches.push(this.renderChunkBatch(batch));
    batches.push(this.renderWith([]));
    return batches;
  }

  /** Chunks with the chains they jump to, so a batch applies even before the first top-level write. */
  private renderChunkBatch(chunks: RestoreTable['chunks']): string {
    const out = [`*${this.name}`];
    for (const d of this.chunkDependencies) out.push(`:${d.chain} - [0:0]`);
    declare(out, chunks);
    for (const d of this.chunkDependencies) pushAll(out, d.rules);
    for (const c of chunks) pushAll(out, c.rules);
    out.push('COMMIT', '');
    return out.join('\n');
  }

  private renderWith(chunks: RestoreTable['chunks']): string {
    const out = [`*${this.name}`];
    pushAll(out, this.chains);
    declare(out, chunks);
    // A deleted chain is declared (flushed) first, so rules in other deleted chains no longer reference it.
    for (const c of this.deleted) out.push(`:${c} - [0:0]`);
    pushAll(out, this.prelude);
    pushAll(out, this.rules);
    for (const c of chunks) pushAll(out, c.rules);
    for (const c of this.deleted) out.push(`-X ${c}`);
    out.push('COMMIT', '');
    return out.join('\n');
  }
}

function declare(out: string[], chunks: RestoreTable['chunks']): void {
  for (const c of chunks) for (const name of c.chains) out.push(`:${name} - [0:0]`);
}

/** push(...items) without spreading: large arrays would overflow the argument limit. */
function pushAll(out: string[], items: string[]): void {
  for (const item of items) out.push(item);
}

function arraysEqual(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function renderRestore(tables: RestoreTable[]): string {
  return tables.map((t) => t.render()).join('');
}
