// Warnings the apiserver attaches to a successful (or failed) call, as Kubernetes' `Warning`
// response header does it (`299 - "text"`, RFC 7234 warn-code, agent, quoted text): gRPC has no
// Warning header, so each warning is one value of the `warning` response metadata key. Metadata
// values must be printable ASCII, so the quoted text percent-encodes every other byte (and `%`
// and `,`, which keeps values that a transport joins with commas apart), as grpc-message does.
// client-go's WarningHandler reads them back; kitectl prints "Warning: <text>" as kubectl does.
import { Metadata } from '@grpc/grpc-js';

export const WARNING_METADATA_KEY = 'warning';

/** Kubernetes' limits: 4 KiB of warning text per response; over it, each warning is cut to 256 characters. */
const MAX_TOTAL_CHARS = 4096;
const MAX_ITEM_CHARS = 256;

function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const printable = byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && byte !== 0x2c;
    out += printable ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '%' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** One metadata value: `299 - "text"` with `"` and `\` escaped as in Kubernetes' quoted strings. */
export function warningHeader(text: string): string {
  return `299 - "${percentEncode(text.replace(/[\\"]/g, (c) => `\\${c}`))}"`;
}

/** The warning texts of a response's `warning` metadata values (malformed values are skipped, as client-go does). */
export function parseWarningHeaders(values: Array<string | Buffer>): string[] {
  const out: string[] = [];
  for (const part of values.map(String).join(',').split(',')) {
    const m = /^\s*\d{3} \S+ "((?:[^"\\]|\\.)*)"\s*$/.exec(part);
    if (m) out.push(percentDecode(m[1].replace(/\\(.)/g, '$1')));
  }
  return out;
}

/** Deduplicated warnings within Kubernetes' size limits: long lists are cut per item, then dropped. */
export function limitWarnings(texts: string[]): string[] {
  const unique = [...new Set(texts.filter((t) => t.length > 0))];
  const total = (list: string[]) => list.reduce((n, t) => n + t.length, 0);
  if (total(unique) <= MAX_TOTAL_CHARS) return unique;
  const out: string[] = [];
  let used = 0;
  for (const t of unique) {
    const cut = t.length > MAX_ITEM_CHARS ? t.slice(0, MAX_ITEM_CHARS) : t;
    if (used + cut.length > MAX_TOTAL_CHARS) break;
    out.push(cut);
    used += cut.length;
  }
  return out;
}

/** Response metadata carrying `texts` (deduplicated and limited) as warnings. */
export function warningMetadata(texts: string[]): Metadata {
  const md = new Metadata();
  for (const t of limitWarnings(texts)) md.add(WARNING_METADATA_KEY, warningHeader(t));
  return md;
}
