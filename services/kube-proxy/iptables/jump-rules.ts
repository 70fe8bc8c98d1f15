// Jump rules from built-in chains (PREROUTING, FORWARD ...) into a component's own chains.
// They must exist exactly once; built-in chains are shared with Docker and others, so they
// are never flushed: missing or misplaced jumps are inserted and duplicates deleted, rule by
// rule, inside the same iptables-restore transaction as the chains they point to. A jump that
// goes first must stay ahead of every rule of others: Docker inserts its own at the top of
// FORWARD when it starts or creates a network, and an ACCEPT above kube-proxy's REJECT lets
// service traffic out. (Kubernetes' EnsureRule only checks that a jump exists; Kite also
// checks where it is, on every full sync, and jump-monitor.ts asks for one as soon as a jump
// is out of place.) One order at the top of FORWARD, which no component changes once it holds:
// the network policy agent's jump, then kube-proxy's jumps, then everything else.
import { policyForwardChain } from '../network-policy/policy-rules';
import { savedRules, type SavedTables } from './save-parser';

export interface JumpRule {
  table: string;
  /** The built-in chain holding the jump. */
  chain: string;
  /** The rule after "-A CHAIN", in iptables-save's canonical form so it can be recognised. */
  spec: string;
  /** The chain jumped to. */
  target: string;
  /**
   * 'first' (kube-proxy's choice): at the top, ahead of every rule that does not jump into a
   * Kite chain, and moved back there when others insert rules above it; 'last': appended when missing.
   */
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

/** The chain a rule jumps to, if any. */
function target(rule: string): string | undefined {
  return /(?:^| )-j (\S+)/.exec(rule)?.[1];
}

/** Jumps into Kite's chains (kube-proxy's KUBE-*, the route agent's KITE-*) may share the top of a built-in chain. */
function isKiteJump(rule: string): boolean {
  const t = target(rule) ?? '';
  return t.startsWith('KUBE-') || t.startsWith('KITE-');
}

/** Jumps that go ahead of every other 'first' jump: the network policy agent's (see policy-rules.ts). */
const leadingTargets = new Set([policyForwardChain]);

/** How many rules at the top of a chain jump to a leading target (other first jumps go below them). */
function leadingCount(rules: string[], own: Set<string>): number {
  let n = 0;
  while (n < rules.length && !own.has(target(rules[n]) ?? '') && leadingTargets.has(target(rules[n]) ?? '')) n++;
  return n;
}

/**
 * The restore lines, per table, that leave each jump rule present exactly once, and the jumps
 * that go first ahead of every rule that does not jump into a Kite chain, in the order given,
 * below the network policy agent's jump when that one is on top.
 */
export function jumpRuleFixes(saved: SavedTables, jumps: JumpRule[]): Map<string, string[]> {
  // The first-going jumps of a chain are placed together, as one block; the others one by one.
  const groups = new Map<string, JumpRule[]>();
  for (const jump of jumps) {
    const key = jump.position === 'first' ? `${jump.table} ${jump.chain}` : `${jump.table} ${jump.chain} ${jump.target}`;
    groups.set(key, [...(groups.get(key) ?? []), jump]);
  }
  const fixes = new Map<string, string[]>();
  for (const group of groups.values()) {
    const { table, chain, position } = group[0];
    const rules = savedRules(saved, table, chain);
    const targets = new Set(group.map((j) => j.target));
    const existing = rules.flatMap((rule, i) => (targets.has(target(rule) ?? '') ? [i] : []));
    const wanted = group.map((j) => `-A ${chain} ${j.spec}`);
    const firstForeign = rules.findIndex((rule) => !isKiteJump(rule));
    const placed = position === 'last' || firstForeign < 0 || existing.every((i) => i < firstForeign);
    if (placed && existing.length === wanted.length && existing.every((i, k) => rules[i] === wanted[k])) continue;
    const lines = fixes.get(table) ?? [];
    for (const i of existing) lines.push(`-D${rules[i].slice(2)}`);
    // Deleting our own jumps first leaves the leading ones where they are.
    const at = leadingCount(rules.filter((_r, i) => !existing.includes(i)), targets);
    if (position === 'first') group.forEach((j, k) => lines.push(`-I ${chain} ${at + k + 1} ${j.spec}`));
    else lines.push(...wanted);
    fixes.set(table, lines);
  }
  return fixes;
}
