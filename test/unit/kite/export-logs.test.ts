// `kite export logs` against a fake `docker` on PATH: each node's folder, and a highly available
// cluster's load balancer (<cluster>-external-load-balancer) with its inspect output and log, as
// kind exports that container beside its nodes; no such folder when the cluster has none.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { exportLogs } from '../../../services/kite/export-logs';

/** Answers inspect and logs of the containers named in $FAKE_CONTAINERS; anything else fails. */
const FAKE_DOCKER = `#!/bin/sh
known() { case " $FAKE_CONTAINERS " in *" $1 "*) return 0;; esac; return 1; }
last=""; for a in "$@"; do last="$a"; done
case "$1" in
  inspect) known "$last" || { echo "Error: No such object: $last" >&2; exit 1; }
    if [ "$2" = "-f" ]; then echo "/$last"; else echo "[{\\"Name\\": \\"/$last\\"}]"; fi ;;
  logs) known "$last" || exit 1; echo "log of $last" ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`;

describe('kite export logs', () => {
  let dir: string;
  const path = process.env.PATH;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-export-logs-'));
    writeFileSync(join(dir, 'docker'), FAKE_DOCKER);
    chmodSync(join(dir, 'docker'), 0o755);
    process.env.PATH = `${dir}:${path}`;
  });
  afterEach(() => {
    process.env.PATH = path;
    delete process.env.FAKE_CONTAINERS;
    rmSync(dir, { recursive: true, force: true });
  });

  const node = (name: string) => ({ name, role: 'control-plane' as const, cluster: 'ha', running: false });

  it('exports the external load balancer\'s inspect output and log beside the nodes\'', async () => {
    process.env.FAKE_CONTAINERS = 'ha-control-plane ha-control-plane2 ha-external-load-balancer';
    const out = join(dir, 'logs');
    const written = await exportLogs('ha', [node('ha-control-plane'), node('ha-control-plane2')], out);
    assert.deepEqual(written.map((f) => relative(out, f)), [
      'ha-control-plane/inspect.json', 'ha-control-plane/node.log',
      'ha-control-plane2/inspect.json', 'ha-control-plane2/node.log',
      'ha-external-load-balancer/haproxy.log', 'ha-external-load-balancer/inspect.json',
    ]);
    assert.equal(readFileSync(join(out, 'ha-external-load-balancer', 'haproxy.log'), 'utf8'), 'log of ha-external-load-balancer\n');
    assert.match(readFileSync(join(out, 'ha-external-load-balancer', 'inspect.json'), 'utf8'), /"\/ha-external-load-balancer"/);
  });

  it('has no load balancer folder for a cluster without one', async () => {
    process.env.FAKE_CONTAINERS = 'one-control-plane';
    const out = join(dir, 'logs');
    const written = await exportLogs('one', [node('one-control-plane')], out);
    assert.deepEqual(written.map((f) => relative(out, f)), ['one-control-plane/inspect.json', 'one-control-plane/node.log']);
  });
});
