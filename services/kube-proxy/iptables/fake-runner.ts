// An in-memory iptables for unit tests: applies restore payloads the way iptables-restore
// --noflush does (per-table transactions, chain declarations flush, -A/-I/-D/-X, jumps to
// missing chains rejected) and renders iptables-save output, so sync logic can be tested
// against state, not only against the calls made.
import { restoreError, type IptablesRunner } from './runner';

const builtinChains: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

const terminalTargets = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK']);

type Table = Map<string, string[]>;

function newTable(name: string): Table {
  return new Map((builtinChains[name] ?? []).map((c) => [c, []]));
}

function cloneTable(table: Table): Table {
  return new Map([...table].map(([chain, rules]) => [chain, [...rules]]));
}

/** The chain a rule jumps to ("-j X"), if any. */
function jumpTarget(spec: string): string | undefined {
  return /(?:^| )-j (\S+)/.exec(spec)?.[1];
}

export class FakeIptablesRunner implements IptablesRunner {
  readonly tables = new Map<string, Table>();
  /** Every payload given to restore, in order, including failed ones. */
  readonly restores: string[] = [];
  saveCount = 0;
  listCount = 0;
  private failures: Array<string | undefined> = [];

  /** Makes the next restore fail at the first line containing `text` (its first rule when unset). */
  failNextRestore(text?: string): void {
    this.failures.push(text);
  }

  async save(): Promise<string> {
    this.saveCount++;
    return this.render();
  }

  async listRules(table: string, chain: string): Promise<string[]> {
    this.listCount++;
    return this.rules(table, chain).map((r) => `-A ${chain} ${r}`);
  }

  async restore(payload: string): Promise<void> {
    this.restores.push(payload);
    const lines = payload.split('\n');
    const forced = this.failures.length > 0 ? { text: this.failures.shift() } : undefined;
    let name = '';
    let work: Table | undefined;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const fail = (reason: string) => restoreError(`iptables-restore v1.8.9 (fake): line ${i + 1}: ${reason}`, payload);
      if (forced && (forced.text === undefined ? line.startsWith('-') : line.includes(forced.text))) {
        throw fail('injected failure');
      }
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        name = line.slice(1);
        work = cloneTable(this.tables.get(name) ?? newTable(name));
        continue;
      }
      if (!work) throw fail('no table');
      if (line === 'COMMIT') {
        this.tables.set(name, work);
        work = undefined;
        continue;
      }
      const [op, chain] = line.split(' ', 2);
      const spec = line.slice(op.length + chain.length + 2);
      if (op.startsWith(':')) {
        work.set(op.slice(1), []);
      } else if (op === '-A' || op === '-I') {
        const rules = work.get(chain);
        if (!rules) throw fail(`RULE_APPEND failed (No such file or directory): chain ${chain}`);
        const rule = op === '-I' ? spec.replace(/^\d+ /, '') : spec;
        const target = jumpTarget(rule);
        if (target && !terminalTargets.has(target) && !work.has(target)) {
          throw fail(`RULE_APPEND failed (No such file or directory): target ${target}`);
        }
        if (op === '-A') rules.push(rule);
        else rules.splice(Number(spec.split(' ', 1)[0]) - 1, 0, rule);
      } else if (op === '-D') {
        const rules = work.get(chain) ?? [];
        const at = rules.indexOf(spec);
        if (at < 0) throw fail(`RULE_DELETE failed (No such file or directory): rule in chain ${chain}`);
        rules.splice(at, 1);
      } else if (op === '-X') {
        const referenced = [...work.values()].some((rules) => rules.some((r) => jumpTarget(r) === chain));
        if (referenced) throw fail(`CHAIN_DEL failed (Device or resource busy): chain ${chain}`);
        work.delete(chain);
      } else {
        throw fail(`unknown command ${op}`);
      }
    }
  }

  /** The rules of one chain (without "-A CHAIN"). */
  rules(table: string, chain: string): string[] {
    return this.tables.get(table)?.get(chain) ?? [];
  }

  /** User-defined chains of a table, sorted. */
  userChains(table: string): string[] {
    const builtin = new Set(builtinChains[table] ?? []);
    return [...(this.tables.get(table)?.keys() ?? [])].filter((c) => !builtin.has(c)).sort();
  }

  private render(): string {
    let out = '';
    for (const [name, table] of this.tables) {
      const builtin = (builtinChains[name] ?? []).filter((c) => table.has(c));
      const chains = [...builtin, ...this.userChains(name)];
      out += `*${name}\n`;
      for (const c of builtin) out += `:${c} ACCEPT [0:0]\n`;
      for (const c of this.userChains(name)) out += `:${c} - [0:0]\n`;
      for (const c of chains) for (const r of table.get(c) ?? []) out += `-A ${c} ${r}\n`;
      out += 'COMMIT\n';
    }
    return out;
  }
}
