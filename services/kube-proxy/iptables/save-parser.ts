// Reads iptables-save output: which chains exist in each table and the rules of each chain,
// exactly as iptables-save prints them (the canonical form iptables-restore accepts back).

export interface SavedTable {
  /** Every chain of the table, built-in and user-defined. */
  chains: Set<string>;
  /** Rules per chain, each the full "-A CHAIN ..." line. */
  rules: Map<string, string[]>;
}

export type SavedTables = Map<string, SavedTable>;

export function parseIptablesSave(text: string): SavedTables {
  const tables: SavedTables = new Map();
  let current: SavedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      current = { chains: new Set(), rules: new Map() };
      tables.set(line.slice(1), current);
    } else if (line === 'COMMIT') {
      current = undefined;
    } else if (current && line.startsWith(':')) {
      const end = line.indexOf(' ');
      current.chains.add(end < 0 ? line.slice(1) : line.slice(1, end));
    } else if (current && line.startsWith('-A ')) {
      const end = line.indexOf(' ', 3);
      const chain = end < 0 ? line.slice(3) : line.slice(3, end);
      const rules = current.rules.get(chain);
      if (rules) rules.push(line);
      else current.rules.set(chain, [line]);
    }
  }
  return tables;
}

/** The rules of one chain, or none when the table or chain does not exist. */
export function savedRules(tables: SavedTables, table: string, chain: string): string[] {
  return tables.get(table)?.rules.get(chain) ?? [];
}
