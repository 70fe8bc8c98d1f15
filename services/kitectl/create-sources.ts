// Where `create configmap` and `create secret` take their keys from, as kubectl reads them
// (k8s.io/kubectl/pkg/util ParseFileSource/ParseLiteralSource and cmdutil.AddFromEnvFile):
// --from-literal key=value, --from-file [key=]path (a file, or a directory whose regular files
// all become keys) and --from-env-file (KEY=VALUE lines; a bare KEY reads the environment).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { envVarNameErrors } from '../../lib/api/config-keys';
import { CliError } from './cli-errors';

/**
 * pflag's StringSlice flags (--from-file, --from-env-file): each occurrence is a comma-separated
 * CSV record, so `--from-file=a,b` names two sources and a quoted field may hold a comma.
 */
export function splitSliceFlag(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v === '') continue;
    let field = '';
    let quoted = false;
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      if (quoted) {
        if (c === '"' && v[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"' && field === '') quoted = true;
      else if (c === ',') {
        out.push(field);
        field = '';
      } else field += c;
    }
    out.push(field);
  }
  return out;
}

/** "key=value" of --from-literal: the value may hold '=', the key may not be empty. */
export function parseLiteralSource(source: string): { key: string; value: string } {
  const i = source.indexOf('=');
  if (i <= 0) throw new CliError(`invalid literal source ${source}, expected key=value`);
  return { key: source.slice(0, i), value: source.slice(i + 1) };
}

/** "[key=]path" of --from-file: without a key, the file's base name is the key. */
export function parseFileSource(source: string): { key: string; path: string } {
  const separators = source.split('=').length - 1;
  if (separators === 0) return { key: basename(source), path: source };
  if (separators > 1) throw new CliError("key names or file paths cannot contain '='");
  if (source.startsWith('=')) throw new CliError(`key name for file path ${source.slice(1)} missing`);
  if (source.endsWith('=')) throw new CliError(`file path for key name ${source.slice(0, -1)} missing`);
  const [key, path] = source.split('=');
  return { key, path };
}

/** Go's os.PathError text for a failed stat or open ("no such file or directory"). */
function pathErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const texts: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
  };
  return (err.code && texts[err.code]) || err.message;
}

/**
 * Reads each --from-file source and hands every key with its bytes to `add` (which checks the
 * key and refuses duplicates). A directory yields each regular file in it, by name order;
 * subdirectories, symlinks, devices and pipes are skipped, as kubectl does.
 */
export function readFileSources(sources: string[], add: (key: string, data: Buffer) => void): void {
  for (const source of sources) {
    const { key, path } = parseFileSource(source);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      throw new CliError(`error reading ${path}: ${pathErrorText(e)}`);
    }
    if (!isDir) {
      add(key, readFileSync(path));
      continue;
    }
    if (source.includes('=')) throw new CliError('cannot give a key name for a directory path');
    const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) if (entry.isFile()) add(entry.name, readFileSync(join(path, entry.name)));
  }
}

/** Go's unicode.IsSpace, which bytes.TrimLeftFunc trims from the start of each line. */
const GO_LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Go's []byte formatting with %v: "[255 61 49]". */
const goBytes = (b: Buffer) => `[${[...b].join(' ')}]`;

/**
 * Reads one --from-env-file: lines split as bufio.Scanner does (a trailing \r dropped), a BOM
 * dropped from the first line, leading white space trimmed, blank lines and lines starting
 * with '#' skipped; "KEY=VALUE" keeps the value verbatim, a bare "KEY" takes $KEY (empty when
 * unset). `kind` is "config" or "secret", for the directory refusal.
 */
export function readEnvFile(path: string, kind: 'config' | 'secret', add: (key: string, value: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new CliError(`error reading ${path}: ${pathErrorText(e)}`);
  }
  if (isDir) throw new CliError(`env ${kind} file cannot be a directory`);
  const content = readFileSync(path);
  const lines: Buffer[] = [];
  let start = 0;
  while (start < content.length) {
    let end = content.indexOf(0x0a, start);
    if (end < 0) end = content.length;
    let line = content.subarray(start, end);
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    lines.push(line);
    start = end + 1;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  lines.forEach((raw, n) => {
    let text: string;
    try {
      text = decoder.decode(raw);
    } catch {
      throw new CliError(`env file ${path} contains invalid utf8 bytes at line ${n + 1}: ${goBytes(raw)}`);
    }
    if (n === 0 && raw.subarray(0, 3).equals(UTF8_BOM)) text = text.slice(1);
    text = text.replace(GO_LEADING_SPACE, '');
    if (!text || text.startsWith('#')) return;
    const eq = text.indexOf('=');
    const key = eq < 0 ? text : text.slice(0, eq);
    const errs = envVarNameErrors(key);
    if (errs.length) throw new CliError(`${JSON.stringify(key)} is not a valid key name: ${errs.join(';')}`);
    add(key, eq < 0 ? (env[key] ?? '') : text.slice(eq + 1));
  });
}
