// Reads -f arguments (files, directories, "-" for stdin) and decodes every document before
// anything is sent, so a bad document anywhere means nothing is applied.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { decodeManifests, type Manifest } from '../../lib/api/manifest';
import { CliError } from './cli-errors';
import type { Io } from './cli-context';

const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

function expand(path: string, recursive: boolean, top: boolean): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`the path "${path}" does not exist`);
  }
  if (!st.isDirectory()) return [path];
  if (!top && !recursive) return [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const p = join(path, name);
      if (statSync(p).isDirectory()) return recursive ? expand(p, recursive, false) : [];
      return EXTENSIONS.has(extname(name)) ? [p] : [];
    });
}

export async function readManifests(filenames: string[], recursive: boolean, io: Io, verb: string): Promise<Manifest[]> {
  if (!filenames.length) throw new CliError('must specify one of -f and -k');
  const out: Manifest[] = [];
  for (const f of filenames) {
    if (f === '-') {
      out.push(...decodeManifests(await io.readStdin(), 'STDIN'));
      continue;
    }
    const files = expand(f, recursive, true);
    for (const file of files) out.push(...decodeManifests(readFileSync(file, 'utf8'), file));
  }
  if (!out.length) throw new CliError(`no objects passed to ${verb}`);
  return out;
}
