// Label and field selectors with Kubernetes' syntax and semantics.
//   labels: "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x)", "a", "!a", comma = AND
//   fields: "metadata.name=x", "spec.nodeName!=", comma = AND; only = == != operators
import { BadRequestError } from './errors';
import type { LabelSelector as LabelSelectorProto } from '../gen/kite/meta/v1/meta';

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals';

export interface Requirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface Selector {
  readonly requirements: readonly Requirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  empty(): boolean;
  toString(): string;
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function matchRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'Equals':
    case 'In':
      return has && r.values.includes(v);
    case 'NotEquals':
    case 'NotIn':
      return !has || !r.values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'Equals':
      return `${r.key}=${r.values[0]}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0]}`;
    case 'In':
      return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
  }
}

class RequirementsSelector implements Selector {
  constructor(readonly requirements: readonly Requirement[]) {}
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => matchRequirement(r, l));
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

/** A selector that matches nothing (a nil LabelSelector in Kubernetes' controllers). */
export const NOTHING: Selector = {
  requirements: [],
  matches: () => false,
  empty: () => false,
  toString: () => '<none>',
};

export const EVERYTHING: Selector = new RequirementsSelector([]);

/** Kubernetes' IsQualifiedName: a DNS-subdomain prefix of at most 253 characters, a name of at most 63. */
function checkKey(key: string, where: string): void {
  const slash = key.indexOf('/');
  const prefixLength = slash < 0 ? 0 : slash;
  const nameLength = key.length - (slash + 1);
  if (!LABEL_KEY.test(key) || prefixLength > 253 || nameLength > 63) {
    throw new BadRequestError(`invalid label selector "${where}": invalid label key "${key}"`);
  }
}

function checkValue(value: string, where: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new BadRequestError(`invalid label selector "${where}": invalid label value "${value}"`);
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((t) => t.trim());
}

/** Parses kubectl's label selector syntax; throws BadRequestError (INVALID_ARGUMENT) on bad input. */
export function parseLabelSelector(s: string | undefined): Selector {
  if (!s || !s.trim()) return EVERYTHING;
  const reqs: Requirement[] = [];
  for (const term of splitTerms(s)) {
    let m: RegExpMatchArray | null;
    // An empty requirement ("a=b," or "a=b,,c") is refused, as Kubernetes' parser refuses it.
    if (term === '') throw new BadRequestError(`invalid label selector "${s}": found '', expected: identifier after ','`);
    if ((m = term.match(/^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/))) {
      // As Kubernetes' parseValues: "()" is {""}, and an empty item beside a comma is "" too ("x," is {x, ""}).
      const values = [...new Set(m[3].split(',').map((v) => v.trim()))];
      checkKey(m[1], s);
      values.forEach((v) => checkValue(v, s));
      reqs.push({ key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = term.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      checkKey(m[1], s);
      checkValue(m[3], s);
      reqs.push({ key: m[1], operator: m[2] === '!=' ? 'NotEquals' : 'Equals', values: [m[3]] });
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      checkKey(m[1], s);
      reqs.push({ key: m[1], operator: 'DoesNotExist', values: [] });
    } else if ((m = term.match(/^(\S+)$/))) {
      checkKey(m[1], s);
      reqs.push({ key: m[1], operator: 'Exists', values: [] });
    } else {
      throw new BadRequestError(`invalid label selector "${s}": unable to parse requirement "${term}"`);
    }
  }
  return new RequirementsSelector(reqs);
}

/**
 * Converts a metav1.LabelSelector (matchLabels + matchExpressions) into a Selector. An absent
 * selector matches nothing; an empty one matches everything, as in Kubernetes.
 */
export function selectorFromLabelSelector(ls: LabelSelectorProto | undefined): Selector {
  if (!ls) return NOTHING;
  const reqs: Requirement[] = Object.entries(ls.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, v]) => ({ key, operator: 'Equals' as const, values: [v] }));
  for (const e of ls.matchExpressions ?? []) {
    const op = e.operator as LabelOperator;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) {
      throw new BadRequestError(`invalid label selector operator "${e.operator}"`);
    }
    reqs.push({ key: e.key, operator: op, values: [...e.values] });
  }
  return new RequirementsSelector(reqs);
}

/** Turns a map selector (Service.spec.selector) into the "a=b,c=d" string form. */
export function labelsToSelectorString(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

// ---------- field selectors ----------

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(fields: (field: string) => string | undefined): boolean;
  empty(): boolean;
}

export function parseFieldSelector(s: string | undefined, supported?: readonly string[]): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const term of (s ?? '').split(',').map((t) => t.trim()).filter(Boolean)) {
    const m = term.match(/^([A-Za-z0-9_.\-\[\]]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new BadRequestError(`invalid field selector "${s}": unable to parse requirement "${term}"`);
    if (supported && !supported.includes(m[1])) {
      throw new BadRequestError(`field label not supported: "${m[1]}" (supported: ${supported.join(', ')})`);
    }
    reqs.push({ field: m[1], operator: m[2] === '!=' ? '!=' : '=', value: m[3] });
  }
  return {
    requirements: reqs,
    matches(get) {
      return reqs.every((r) => ((get(r.field) ?? '') === r.value) === (r.operator === '='));
    },
    empty: () => reqs.length === 0,
  };
}
