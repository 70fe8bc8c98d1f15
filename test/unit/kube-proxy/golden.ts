// Golden files for generated rules: testdata/<name>.rules holds the expected output, reviewed
// by a person. UPDATE_GOLDEN=1 rewrites them from the current output.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const goldenDir = join(__dirname, 'testdata');

export function expectGolden(name: string, actual: string): void {
  const file = join(goldenDir, `${name}.rules`);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.ok(existsSync(file), `golden file ${file} is missing; run with UPDATE_GOLDEN=1 and review it`);
  assert.equal(actual, readFileSync(file, 'utf8'));
}
