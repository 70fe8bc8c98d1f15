// The apiserver's Node.js flags (services/apiserver/node-flags.ts) reach it however it is started:
// run as a program (bin/kite-apiserver's #! line) or by a launcher that names node itself.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APISERVER_NODE_FLAGS } from '../../../services/apiserver/node-flags';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'kite-apiserver');

describe('apiserver Node.js flags', () => {
  it('bin/kite-apiserver runs node with them when executed itself', () => {
    const first = readFileSync(BIN, 'utf8').split('\n')[0];
    assert.equal(first, `#!/usr/bin/env -S node ${APISERVER_NODE_FLAGS.join(' ')}`);
    // The #! line works (env -S splits it): the program starts and answers --help.
    assert.match(execFileSync(BIN, ['--help'], { encoding: 'utf8' }), /kite-apiserver/);
  });

  it('are flags this Node.js accepts', () => {
    assert.equal(execFileSync(process.execPath, [...APISERVER_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' }), 'ok');
  });
});
