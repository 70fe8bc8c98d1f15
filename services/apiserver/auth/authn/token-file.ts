// Static bearer tokens from --token-auth-file, in kube-apiserver's CSV format:
//   token,user,uid,"group1,group2"
// (the groups column is optional). Blank lines and lines starting with # are skipped.
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../user-info';

/** Splits one CSV line, honouring double quotes ("" is a literal quote inside them). */
export function parseCSVLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error('unterminated quoted field');
  out.push(cur);
  return out;
}

export function parseTokenFile(text: string, source = 'token file'): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let cols: string[];
    try {
      cols = parseCSVLine(line).map((c) => c.trim());
    } catch (err) {
      throw new Error(`${source}:${i + 1}: ${(err as Error).message}`);
    }
    const [token, name, uid, groups = ''] = cols;
    if (cols.length < 3 || !token || !name) throw new Error(`${source}:${i + 1}: expected token,user,uid[,"group1,group2"]`);
    tokens.set(token, { name, uid: uid ?? '', groups: groups.split(',').map((g) => g.trim()).filter(Boolean) });
  });
  return tokens;
}

export class TokenFileAuthenticator {
  constructor(private readonly tokens: Map<string, UserInfo>) {}

  static fromFile(path: string): TokenFileAuthenticator {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read --token-auth-file ${path}: ${(err as Error).message}`);
    }
    return new TokenFileAuthenticator(parseTokenFile(text, path));
  }

  get size(): number {
    return this.tokens.size;
  }

  /** The user of a token, or undefined if the token is unknown. */
  authenticate(token: string): UserInfo | undefined {
    const u = this.tokens.get(token);
    return u && { ...u, groups: [...u.groups] };
  }
}
