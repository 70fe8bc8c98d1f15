// Localhost seccomp profiles are read from <root-dir>/seccomp, never from outside it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Container, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { loadLocalhostSeccompProfile } from '../../../../services/kubelet/runtime/seccomp-profiles';

describe('kubelet/runtime seccomp profiles', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'kite-seccomp-'));
    mkdirSync(join(root, 'seccomp', 'profiles'), { recursive: true });
    writeFileSync(join(root, 'seccomp', 'profiles', 'audit.json'), '{"defaultAction":"SCMP_ACT_LOG"}');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const load = (localhostProfile: string | undefined, type = 'Localhost') =>
    loadLocalhostSeccompProfile(root, Pod.fromPartial({ spec: { securityContext: { seccompProfile: { type, localhostProfile } } } }), Container.fromPartial({ name: 'c' }));

  it('reads the pod\'s (or container\'s) Localhost profile from the seccomp directory', async () => {
    assert.equal(await load('profiles/audit.json'), '{"defaultAction":"SCMP_ACT_LOG"}');
    assert.equal(await load(undefined, 'RuntimeDefault'), undefined);
  });

  it('fails the container create for a missing profile or a path out of the directory', async () => {
    await assert.rejects(load('profiles/missing.json'), (e: Error & { reason?: string }) => e.reason === 'CreateContainerError' && /cannot load seccomp profile ".*profiles\/missing.json"/.test(e.message));
    await assert.rejects(load('../../etc/passwd'), /invalid Localhost seccomp profile "..\/..\/etc\/passwd"/);
    await assert.rejects(load('/etc/passwd'), /invalid Localhost seccomp profile/);
  });
});
