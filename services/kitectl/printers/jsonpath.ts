// kubectl's -o jsonpath templates, the commonly used subset: text with {expressions}, where an
// expression is a path (.a.b, [0], [*], ['k'], [1:3], .*, ..name, [?(@.k=="v")]), a quoted
// string literal, or range ... end. Missing keys print nothing, as kubectl's get does.

type Segment =
  | { t: 'text'; text: string }
  | { t: 'path'; steps: Step[] }
  | { t: 'range'; steps: Step[]; body: Segment[] };

type Step =
  | { s: 'field'; name: string }
  | { s: 'recursive'; name: string }
  | { s: 'wildcard' }
  | { s: 'index'; index: number }
  | { s: 'slice'; start?: number; end?: number }
  | { s: 'filter'; path: Step[]; op?: string; value?: unknown };

export class JsonPathError extends Error {}

/** Splits "a{.b}c{range .x}{.y}{end}" into segments. */
export function parseTemplate(template: string): Segment[] {
  const root: Segment[] = [];
  const stack: Segment[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack[stack.length - 1].push({ t: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1].push({ t: 'text', text: template.slice(i, open) });
    const close = findClose(template, open);
    const expr = template.slice(open + 1, close).trim();
    i = close + 1;
    const top = stack[stack.length - 1];
    if (expr === 'end') {
      if (stack.length === 1) throw new JsonPathError('not in range, nothing to end');
      stack.pop();
    } else if (expr.startsWith('range ')) {
      const seg: Segment = { t: 'range', steps: parsePath(expr.slice(6).trim()), body: [] };
      top.push(seg);
      stack.push(seg.body);
    } else if (/^".*"$/s.test(expr) || /^'.*'$/s.test(expr)) {
      top.push({ t: 'text', text: unquote(expr) });
    } else {
      top.push({ t: 'path', steps: parsePath(expr) });
    }
  }
  if (stack.length > 1) throw new JsonPathError('unclosed range');
  return root;
}

function findClose(s: string, open: number): number {
  let quote = '';
  for (let j = open + 1; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return j;
  }
  throw new JsonPathError(`unclosed action in template ${JSON.stringify(s)}`);
}

function unquote(s: string): string {
  const body = s.slice(1, -1);
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

function parsePath(expr: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  if (expr[0] === '$' || expr[0] === '@') i = 1;
  const readName = (): string => {
    let name = '';
    while (i < expr.length && expr[i] !== '.' && expr[i] !== '[') {
      if (expr[i] === '\\' && i + 1 < expr.length) {
        name += expr[i + 1];
        i += 2;
      } else name += expr[i++];
    }
    return name;
  };
  while (i < expr.length) {
    if (expr.startsWith('..', i)) {
      i += 2;
      steps.push({ s: 'recursive', name: readName() });
    } else if (expr[i] === '.') {
      i++;
      if (expr[i] === '*') {
        i++;
        steps.push({ s: 'wildcard' });
      } else {
        const name = readName();
        if (name) steps.push({ s: 'field', name });
      }
    } else if (expr[i] === '[') {
      const close = findBracket(expr, i);
      steps.push(parseBracket(expr.slice(i + 1, close).trim()));
      i = close + 1;
    } else {
      steps.push({ s: 'field', name: readName() });
    }
  }
  return steps;
}

function findBracket(s: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return j;
  }
  throw new JsonPathError(`unterminated [ in ${JSON.stringify(s)}`);
}

function parseBracket(inner: string): Step {
  if (inner === '*') return { s: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { s: 'index', index: Number(inner) };
  const slice = inner.match(/^(-?\d*):(-?\d*)$/);
  if (slice) return { s: 'slice', start: slice[1] ? Number(slice[1]) : undefined, end: slice[2] ? Number(slice[2]) : undefined };
  if (/^'.*'$/.test(inner) || /^".*"$/.test(inner)) return { s: 'field', name: inner.slice(1, -1) };
  const filter = inner.match(/^\?\((.*)\)$/s);
  if (filter) {
    const m = filter[1].match(/^\s*(@[^=!<>\s]*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/);
    if (!m) return { s: 'filter', path: parsePath(filter[1].trim()) };
    const raw = m[3];
    const value = /^['"].*['"]$/.test(raw) ? raw.slice(1, -1) : Number(raw);
    return { s: 'filter', path: parsePath(m[1]), op: m[2], value };
  }
  throw new JsonPathError(`unrecognized expression [${inner}]`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function step(values: unknown[], st: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (st.s) {
      case 'field':
        if (isObject(v) && st.name in v) out.push(v[st.name]);
        break;
      case 'recursive':
        collect(v, st.name, out);
        break;
      case 'wildcard':
        if (Array.isArray(v)) out.push(...v);
        else if (isObject(v)) out.push(...Object.values(v));
        break;
      case 'index':
        if (Array.isArray(v)) {
          const i = st.index < 0 ? v.length + st.index : st.index;
          if (i >= 0 && i < v.length) out.push(v[i]);
        }
        break;
      case 'slice':
        if (Array.isArray(v)) out.push(...v.slice(st.start, st.end));
        break;
      case 'filter':
        if (Array.isArray(v)) out.push(...v.filter((item) => matches(item, st)));
        break;
    }
  }
  return out;
}

function collect(v: unknown, name: string, out: unknown[]): void {
  if (Array.isArray(v)) v.forEach((x) => collect(x, name, out));
  else if (isObject(v)) {
    if (name in v) out.push(v[name]);
    Object.values(v).forEach((x) => collect(x, name, out));
  }
}

function matches(item: unknown, f: Extract<Step, { s: 'filter' }>): boolean {
  const found = evaluate(f.path, item);
  if (!f.op) return found.length > 0;
  return found.some((x) => {
    switch (f.op) {
      case '==':
        return x === f.value || String(x) === String(f.value);
      case '!=':
        return String(x) !== String(f.value);
      case '<':
        return Number(x) < Number(f.value);
      case '>':
        return Number(x) > Number(f.value);
      case '<=':
        return Number(x) <= Number(f.value);
      case '>=':
        return Number(x) >= Number(f.value);
      default:
        return false;
    }
  });
}

function evaluate(steps: Step[], data: unknown): unknown[] {
  return steps.reduce<unknown[]>((vals, st) => step(vals, st), [data]);
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function render(segments: Segment[], data: unknown): string {
  let out = '';
  for (const seg of segments) {
    if (seg.t === 'text') out += seg.text;
    else if (seg.t === 'path') out += evaluate(seg.steps, data).map(show).join(' ');
    else for (const item of evaluate(seg.steps, data)) out += render(seg.body, item);
  }
  return out;
}

/** Applies a kubectl jsonpath template (braces optional for a single path) to JSON data. */
export function jsonPath(template: string, data: unknown): string {
  const t = template.includes('{') ? template : `{${template}}`;
  return render(parseTemplate(t), data);
}
