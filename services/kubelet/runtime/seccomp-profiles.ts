// Localhost seccomp profiles: files under the kubelet's `<root-dir>/seccomp`, named by a
// container's (or its pod's) seccompProfile.localhostProfile, as the kubelet and its runtime
// load them. The JSON goes to Docker as the container's profile.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Container, Pod } from '../../../lib/gen/kite/core/v1/types';
import { effectiveProfile } from './docker-config';
import { RuntimeError } from './errors';

export const seccompDir = (rootDir: string) => join(rootDir, 'seccomp');

/** The profile's JSON when the container runs under a Localhost profile; undefined otherwise. */
export async function loadLocalhostSeccompProfile(rootDir: string, pod: Pod, container: Container): Promise<string | undefined> {
  const profile = effectiveProfile(pod, container, 'seccompProfile');
  if (profile?.type !== 'Localhost') return undefined;
  const name = profile.localhostProfile ?? '';
  // Kubernetes' validation: a relative path that does not climb out of the seccomp directory.
  if (!name || isAbsolute(name) || name.split('/').includes('..')) {
    throw new RuntimeError('CreateContainerError', `invalid Localhost seccomp profile "${name}": must be a relative path under ${seccompDir(rootDir)}`);
  }
  const path = join(seccompDir(rootDir), name);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new RuntimeError('CreateContainerError', `cannot load seccomp profile "${path}": ${(err as Error).message}`);
  }
}
