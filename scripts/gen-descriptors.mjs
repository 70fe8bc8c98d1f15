#!/usr/bin/env node
// Writes lib/gen/descriptors.binpb: the exact FileDescriptorSet of proto/ plus grpc.health.v1, as
// buf compiles them (json_name, map entries, imports intact). Server reflection serves these, so
// grpcurl and `buf curl` see the API as written; descriptors rebuilt by protobufjs lose json_name
// and misname map entries. Run by `npm run gen`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const buf = join('node_modules', '.bin', 'buf');
const healthRoot = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
const tmp = mkdtempSync(join(tmpdir(), 'kite-descriptors-'));
try {
  // A FileDescriptorSet is one repeated field, so two encoded sets concatenated are one set.
  const sets = [['proto', 'api.binpb'], [healthRoot, 'health.binpb']].map(([input, name]) => {
    const out = join(tmp, name);
    execFileSync(buf, ['build', input, '--exclude-source-info', '-o', out], { stdio: 'inherit' });
    return readFileSync(out);
  });
  writeFileSync(join('lib', 'gen', 'descriptors.binpb'), Buffer.concat(sets));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
