// A container's volumeMounts as bind mounts (the volume part of Kubernetes' makeMounts): subPathExpr
// expanded from the container's environment, subPath checked (relative, no ".."), resolved through
// symlinks and kept inside its volume. A subPath is resolved when the container is created, so a
// subPath of a configMap or secret volume keeps the content it had then (the bind holds the file
// of that version), as in Kubernetes.
import { chmod, mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, sep } from 'node:path';
import type { Volume } from '../../../lib/gen/kite/core/v1/types';
import { RuntimeError } from '../runtime/errors';
import type { EnvPair } from '../runtime/types';

/**
 * Kubernetes' expansion.Expand with ExpandContainerVolumeMounts' mapping: $(VAR) becomes VAR's
 * value, $$ a literal $; a variable undefined or empty is an error naming every such variable.
 */
export function expandSubPathExpr(expr: string, env: readonly EnvPair[]): string {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  const missing = new Set<string>();
  let out = '';
  let i = 0;
  while (i < expr.length) {
    if (expr[i] !== '$' || i + 1 >= expr.length) {
      out += expr[i++];
      continue;
    }
    const next = expr[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = expr.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
        continue;
      }
      const name = expr.slice(i + 2, close);
      const value = vars.get(name) ?? '';
      if (!value) missing.add(name);
      out += value;
      i = close + 1;
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  if (missing.size > 0) throw new Error(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}

/** The volume's subPath for this mount (subPathExpr expanded), checked as Kubernetes' makeMounts does. */
export function mountSubPath(mount: { subPath: string; subPathExpr: string }, env: readonly EnvPair[]): string {
  let subPath = mount.subPath;
  if (mount.subPathExpr) {
    try {
      subPath = expandSubPathExpr(mount.subPathExpr, env);
    } catch (err) {
      throw new RuntimeError('CreateContainerConfigError', (err as Error).message);
    }
  }
  if (!subPath) return '';
  if (isAbsolute(subPath)) throw new RuntimeError('CreateContainerConfigError', `error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new RuntimeError('CreateContainerConfigError', `unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  return subPath;
}

/**
 * The host path of `subPath` inside the volume at `volumePath`, created (as a directory) if missing
 * and resolved through symlinks, refused if a symlink leads out of the volume.
 */
export async function resolveSubPath(volume: Volume, volumePath: string, subPath: string): Promise<string> {
  const target = join(volumePath, subPath);
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await mkdir(target, { recursive: true, mode: 0o755 });
    // An emptyDir is shared by containers running as any user, whatever the umask.
    if (volume.emptyDir) await chmod(target, 0o777);
  }
  const base = await realpath(volumePath);
  const resolved = await realpath(target);
  if (resolved !== base && !resolved.startsWith(base + sep)) {
    throw new RuntimeError('CreateContainerConfigError', `subpath "${subPath}" resolves to "${resolved}", outside of volume "${volume.name}"`);
  }
  return resolved;
}
