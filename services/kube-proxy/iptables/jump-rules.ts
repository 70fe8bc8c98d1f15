// Jump rules from built-in chains (PREROUTING, FORWARD ...) into a component's own chains.
// They must exist exactly once; built-in chains are shared with Docker and others, so they
// are never flushed: missing jumps are inserted and duplicates deleted, rule by rule, inside
// the same iptables-restore transaction as the chains they point to.
import { savedRules, type SavedTables } from './save-parser';

export interface JumpRule {
  table: string;
  /** The built-in chain holding the jump. */
  chain: string;
  /** The rule after "-A CHAIN", in iptables-save's canonical form so it can be recognised. */
  spec: string;
  /** The chain jumped to. */
  target: string;
  /** Where a missing jump is added: first in the chain (kube-proxy's choice) or last. */
  position: 'first' | 'last';
}

export function jumpRule(
  table: string,
  chain: string,
  comment: string,
  target: string,
  match = '',
  position: JumpRule['position'] = 'first',
): JumpRule {
  const spec = `${match ? match + ' ' : ''}-m comment --comment "${comment}" -j ${target}`;
  return { table, chain, spec, target, position };
}

/** The restore lines, per table, that leave each jump rule present exactly once. */
export function jumpRuleFixes(saved: SavedTables, jumps: JumpRule[]): Map<string, string[]> {
  const fixes = new Map<string, string[]>();
  for (const jump of jumps) {
    const wanted = `-A ${jump.chain} ${jump.spec}`;
    const existing = savedRules(saved, jump.table, jump.chain).filter((r) => r.endsWith(` -j ${jump.target}`));
    if (existing.length === 1 && existing[0] === wanted) continue;
    const lines = fixes.get(jump.table) ?? [];
    for (const rule of existing) lines.push(`-D${rule.slice(2)}`);
    lines.push(jump.position === 'first' ? `-I ${jump.chain} 1 ${jump.spec}` : wanted);
    fixes.set(jump.table, lines);
  }
  return fixes;
}
