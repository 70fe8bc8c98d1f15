// YAML text as kubectl writes it (sigs.k8s.io/yaml over go-yaml v2), on top of the `yaml`
// library: the scalar style go-yaml picks for each string (double quotes for text that would read
// back as another type or holds non-printable characters, single quotes where plain text is not
// allowed, literal blocks for multi-line text) and go-yaml's line folding (a plain or quoted
// scalar breaks at the first space past column 80, continuing two spaces deeper).
import { randomBytes } from 'node:crypto';
import { Scalar, visit, type Document } from 'yaml';

/** go-yaml's best_width: a scalar line breaks at a space once the column passes this. */
const BEST_WIDTH = 80;

/** Characters go-yaml's is_printable rejects (so the text must be double-quoted). */
const NOT_PRINTABLE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\u{10000}-\u{10FFFF}]/u;
/** Single-line text that may not be a plain scalar in block context (the yaml library's own test). */
const PLAIN_NOT_ALLOWED = /^[ ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-] |: |:$| #| $|^(---|\.\.\.)( |$)/;

type GoStyle = 'double' | 'single' | undefined;

/** The style go-yaml gives a string scalar, or undefined where the yaml library already agrees. */
function goStringStyle(s: string, resolvesToOtherType: (s: string) => boolean): GoStyle {
  if (NOT_PRINTABLE.test(s)) return 'double';
  if (s.includes('\n')) return / \n| $/.test(s) ? 'double' : undefined;
  if (s === '' || resolvesToOtherType(s)) return 'double';
  return PLAIN_NOT_ALLOWED.test(s) ? 'single' : undefined;
}

const ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
  '\x85': '\\N',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

/** go-yaml's double-quoted scalar on one line: its escapes (\x01, \N, \U0001F600), hex in upper case. */
export function goDoubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (NOT_PRINTABLE.test(ch)) {
      const [letter, width] = cp <= 0xff ? ['x', 2] : cp <= 0xffff ? ['u', 4] : ['U', 8];
      out += `\\${letter}${cp.toString(16).toUpperCase().padStart(width as number, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * Sets go-yaml's style on every string scalar (keys and values) of the document. Double-quoted
 * text is written by goDoubleQuoted rather than the library (which folds it at line breaks):
 * such scalars become unique plain placeholders, and the returned function puts the text in.
 */
export function applyGoScalarStyles(doc: Document): (yaml: string) => string {
  const tags = doc.schema.tags.filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test);
  const resolves = (s: string) => tags.some((t) => t.test!.test(s));
  const nonce = randomBytes(6).toString('hex');
  const doubles: string[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      const style = goStringStyle(node.value, resolves);
      if (style === 'single') node.type = Scalar.QUOTE_SINGLE;
      if (style !== 'double') return;
      doubles.push(goDoubleQuoted(node.value));
      node.value = `kite${nonce}q${doubles.length - 1}q`;
      node.type = Scalar.PLAIN;
    },
  });
  return (yaml) => yaml.replace(new RegExp(`kite${nonce}q(\\d+)q`, 'g'), (_m, i: string) => doubles[Number(i)]);
}

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string | undefined) => c !== undefined && /\p{Nd}/u.test(c);

/**
 * go-yaml's order of map keys (its sorter's keyList.Less): runs of digits compare as numbers
 * ("k2" before "k10") and non-letters before letters; otherwise by code point.
 */
export function goKeyCompare(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}

/** Where a line's scalar starts, how it is quoted, and how deep its continuation lines go. */
interface ScalarLine {
  start: number;
  quote: '' | "'" | '"';
  indent: number;
}

/** The end (exclusive) of a quoted key or scalar starting at `i`. */
function quotedEnd(line: string, i: number): number {
  const q = line[i];
  for (let j = i + 1; j < line.length; j++) {
    if (q === '"' && line[j] === '\\') j++;
    else if (line[j] === q) {
      if (q === "'" && line[j + 1] === "'") j++;
      else return j + 1;
    }
  }
  return line.length;
}

/**
 * Finds the scalar on a line of block YAML ("key: value", "- value", "- key: value"). Returns
 * undefined for lines with no scalar; a value starting a block scalar ("|", ">") is reported
 * through `blockParent` (the column its content lines are deeper than).
 */
function scalarOf(line: string, onBlock: (parent: number) => void): ScalarLine | undefined {
  let i = line.search(/\S/);
  if (i < 0) return undefined;
  let parent = i;
  while (line.startsWith('- ', i)) {
    parent = i;
    i += 2;
  }
  let valueAt = i;
  if (line[i] === '"' || line[i] === "'") {
    const end = quotedEnd(line, i);
    if (line[end] === ':' && (end + 1 === line.length || line[end + 1] === ' ')) {
      parent = i;
      valueAt = end + 2;
    }
  } else {
    const colon = line.indexOf(': ', i);
    if (colon >= 0) {
      parent = i;
      valueAt = colon + 2;
    } else if (line.endsWith(':')) return undefined;
  }
  if (valueAt >= line.length) return undefined;
  const c = line[valueAt];
  if (c === '|' || c === '>') {
    onBlock(parent);
    return undefined;
  }
  if (c === '[' || c === '{') return undefined;
  return { start: valueAt, quote: c === '"' || c === "'" ? c : '', indent: parent + 2 };
}

/** go-yaml's folding of one scalar (write_plain_scalar / write_single_quoted / write_double_quoted). */
function foldScalar(line: string, s: ScalarLine): string {
  const chars = [...line];
  const startChar = [...line.slice(0, s.start)].length;
  const open = s.quote ? 1 : 0;
  const close = s.quote ? chars.length - 1 : chars.length;
  let out = chars.slice(0, startChar + open).join('');
  let column = startChar + open;
  let spaces = false;
  for (let i = startChar + open; i < close; i++) {
    const ch = chars[i];
    if (ch !== ' ') {
      out += ch;
      column++;
      spaces = false;
      continue;
    }
    const first = i === startChar + open;
    const last = i === close - 1;
    const nextIsSpace = chars[i + 1] === ' ';
    const breakable = !spaces && column > BEST_WIDTH && (s.quote === '"' ? !first && !last : s.quote === "'" ? !first && !last && !nextIsSpace : !nextIsSpace);
    if (breakable) {
      out += `\n${' '.repeat(s.indent)}`;
      column = s.indent;
      if (s.quote === '"' && nextIsSpace) {
        out += '\\';
        column++;
      }
    } else {
      out += ' ';
      column++;
    }
    spaces = true;
  }
  return out + chars.slice(close).join('');
}

/** Folds the long scalar lines of YAML written without folding, as go-yaml would have. */
export function foldLikeGo(text: string): string {
  let blockParent = -1;
  return text
    .split('\n')
    .map((line) => {
      if (blockParent >= 0) {
        const indent = line.search(/\S/);
        if (indent < 0 || indent > blockParent) return line;
        blockParent = -1;
      }
      if ([...line].length <= BEST_WIDTH) {
        scalarOf(line, (p) => (blockParent = p));
        return line;
      }
      const s = scalarOf(line, (p) => (blockParent = p));
      return s ? foldScalar(line, s) : line;
    })
    .join('\n');
}
