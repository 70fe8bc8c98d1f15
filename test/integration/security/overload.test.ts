// Overload and memory before authentication, against an apiserver in its own process (TLS,
// client certificates, tokens, Node,RBAC, audit log) whose resident memory is read from
// /proc/<pid>/status: strangers holding unfinished 2.9 MB messages on hundreds of HTTP/2 streams
// are answered on their headers (UNAUTHENTICATED, audited) and the server reads none of their
// bodies; a flood of 2000 concurrent lists from one user is queued and refused by API Priority and
// Fairness (RESOURCE_EXHAUSTED with retry-after) while health checks and a system:masters list
// answer within a second. The figures go to stderr ("overload: ...") for the record.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import * as K from '../../../lib/api/kinds';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { ClusterRoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { writeClusterPKI, type ClusterPKI } from '../../../lib/pki/cluster-pki';
import { freePort } from '../../../lib/util/net';
import { testAdmissionFlags } from '../../support/admission';
import { waitFor } from '../../support/wait';
import type { FloodResult } from './overload-flood';

const ROOT = join(__dirname, '..', '..', '..');
const FLOOD_TOKEN = 'flood-token-0123456789';

/** Resident memory of a process in MiB. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

const report = (line: string) => process.stderr.write(`      overload: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ApiserverChild {
  proc: ChildProcess;
  address: string;
  pki: ClusterPKI;
  auditLog: string;
  client(id: { pair?: { cert: string; key: string }; token?: string }): Clientset;
  stop(): Promise<void>;
}

async function startApiserverChild(): Promise<ApiserverChild> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-overload-'));
  const pki = await writeClusterPKI(join(dir, 'pki'));
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `${FLOOD_TOKEN},flooder,uid-flooder,""\n`);
  const auditLog = join(dir, 'audit.log');
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'kite-apiserver'),
      ...['--port', String(port), '--bind-address', '127.0.0.1', '--data-dir', join(dir, 'data'), '--compaction-interval', '0'],
      ...['--tls-cert-file', pki.apiserver.cert, '--tls-private-key-file', pki.apiserver.key, '--client-ca-file', pki.ca.cert],
      ...['--token-auth-file', tokens, '--authorization-mode', 'Node,RBAC', '--audit-log-path', auditLog],
      ...testAdmissionFlags([]),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KITE_LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8192)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const address = `127.0.0.1:${port}`;
  const ca = readFileSync(pki.ca.cert);
  const clients: Clientset[] = [];
  const client = (id: { pair?: { cert: string; key: string }; token?: string }) => {
    const c = new Clientset(
      { address, tls: true, ca, cert: id.pair && Buffer.from(id.pair.cert), key: id.pair && Buffer.from(id.pair.key), token: id.token, namespace: 'default', source: 'test' },
      { retry: NO_RETRY, timeoutMs: 30_000 },
    );
    clients.push(c);
    return c;
  };
  const stop = async () => {
    clients.forEach((c) => c.close());
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const admin = client({ pair: { cert: readFileSync(pki.admin.cert, 'utf8'), key: readFileSync(pki.admin.key, 'utf8') } });
    await waitFor('the apiserver process to serve', async () => {
      if (proc.exitCode !== null) throw new Error(`apiserver exited: ${stderr}`);
      return (await admin.namespaces.get('default').then(() => true, () => false)) || undefined;
    }, 60_000, 100);
  } catch (e) {
    await stop();
    throw e;
  }
  return { proc, address, pki, auditLog, client, stop };
}

type Outcome = { grpcStatus: number } | { reset: number } | 'unanswered';

/**
 * Opens `streams` HTTP/2 streams to `path` on `sessions` connections without credentials; each
 * sends a gRPC length prefix announcing `announced` bytes and then only `sent` of them, and never
 * ends. Resolves with each stream's outcome once all have one or `waitMs` passed.
 */
async function partialMessages(address: string, o: { sessions: number; streams: number; path: string; announced: number; sent: number; waitMs: number }) {
  const body = Buffer.alloc(o.sent, 0x61);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(o.announced, 1);
  const sessions: ClientHttp2Session[] = [];
  for (let i = 0; i < o.sessions; i++) {
    const s = connect(`https://${address}`, { rejectUnauthorized: false });
    s.on('error', () => undefined);
    sessions.push(s);
  }
  await Promise.all(sessions.map((s) => new Promise((r) => s.once('remoteSettings', r))));
  const outcomes: Outcome[] = new Array(o.streams).fill('unanswered');
  for (let i = 0; i < o.streams; i++) {
    const stream = sessions[i % o.sessions].request({ ':method': 'POST', ':path': o.path, 'content-type': 'application/grpc', te: 'trailers' });
    const settle = (x: Outcome) => {
      if (outcomes[i] === 'unanswered') outcomes[i] = x;
    };
    stream.on('response', (h) => h['grpc-status'] !== undefined && settle({ grpcStatus: Number(h['grpc-status']) }));
    stream.on('trailers', (h) => h['grpc-status'] !== undefined && settle({ grpcStatus: Number(h['grpc-status']) }));
    stream.on('close', () => settle({ reset: stream.rstCode ?? -1 }));
    stream.on('error', () => undefined);
    stream.write(prefix);
    stream.write(body);
  }
  const deadline = Date.now() + o.waitMs;
  while (Date.now() < deadline && outcomes.includes('unanswered')) await sleep(50);
  return { outcomes, sessions, maxConcurrentStreams: sessions[0].remoteSettings.maxConcurrentStreams };
}

const count = (outcomes: Outcome[], pred: (o: Outcome) => boolean) => outcomes.filter(pred).length;
const grpcCode = (code: number) => (o: Outcome) => typeof o === 'object' && 'grpcStatus' in o && o.grpcStatus === code;

/** Runs overload-flood.ts in its own process as user "flooder". */
function startFlood(s: ApiserverChild, namespace: string, n: number, connections: number) {
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', join(__dirname, 'overload-flood.ts'), s.address, s.pki.ca.cert, FLOOD_TOKEN, namespace, String(n), String(connections)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  let done = false;
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((done = true), resolve(code))));
  const first = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('first\n')) resolve();
    });
    void exited.then(() => reject(new Error(`the flood ended before any answer: ${err}`)));
  });
  const result = exited.then((code) => {
    if (code !== 0) throw new Error(`the flood failed (${code}): ${err}`);
    return JSON.parse(out.trim().split('\n').pop()!) as FloodResult;
  });
  return { first, result, finished: () => done };
}

/** One health check's latency in ms (grpc.health.v1, no credentials: as a load balancer probes). */
function healthCheck(c: Clientset): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) =>
    c.grpc.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b: Buffer) => b, {}, new Metadata(), { deadline: Date.now() + 30_000 }, (err: ServiceError | null) =>
      err ? reject(err) : resolve(performance.now() - start),
    ),
  );
}

describe('security: overload and memory before authentication', function () {
  this.timeout(180_000);
  let s: ApiserverChild;
  let admin: Clientset;
  before(async () => {
    s = await startApiserverChild();
    admin = s.client({ pair: { cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') } });
  });
  after(() => s?.stop());

  it('answers strangers holding unfinished 2.9 MB messages on their headers, reads none of it, and audits them', async () => {
    const pid = s.proc.pid!;
    const before = rssMiB(pid);
    const announced = Math.round(2.9 * 1e6);
    const create = await partialMessages(s.address, { sessions: 4, streams: 200, path: '/kite.core.v1.PodService/CreatePod', announced, sent: announced - 100_000, waitMs: 15_000 });
    const health = await partialMessages(s.address, { sessions: 1, streams: 100, path: '/grpc.health.v1.Health/Check', announced, sent: announced - 100_000, waitMs: 3000 });
    await sleep(1000);
    const after = rssMiB(pid);
    const isReset = (o: Outcome) => typeof o === 'object' && 'reset' in o;
    const held = count(health.outcomes, (o) => o === 'unanswered');
    const exhausted = count(health.outcomes, grpcCode(status.RESOURCE_EXHAUSTED));
    const healthResets = count(health.outcomes, isReset);
    const unauthenticated = count(create.outcomes, grpcCode(status.UNAUTHENTICATED));
    const resets = count(create.outcomes, isReset);
    [...create.sessions, ...health.sessions].forEach((x) => x.destroy());
    report(
      `200 unauthenticated CreatePod streams with 2.8 of 2.9 MB sent: ${unauthenticated} UNAUTHENTICATED on their headers, ${resets} reset; ` +
        `100 such health streams: ${exhausted} RESOURCE_EXHAUSTED, ${healthResets} reset, ${held} held; max concurrent streams per connection ${create.maxConcurrentStreams}; ` +
        `apiserver RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MiB (+${(after - before).toFixed(0)})`,
    );
    assert.equal(create.maxConcurrentStreams, 100, 'the server limits streams per connection');
    // Refused on its headers, or reset with its connection (Node ends a connection that keeps
    // sending data on streams the server already closed): either way nothing is held.
    assert.equal(unauthenticated + resets, 200, `every stream refused: ${JSON.stringify(create.outcomes.filter((o) => o === 'unanswered'))}`);
    assert.ok(held <= 8, `at most 8 unauthenticated health calls read at once (${held})`);
    assert.equal(exhausted + healthResets + held, 100);
    assert.ok(after - before < 100, `RSS grew ${(after - before).toFixed(0)} MiB`);
    await waitFor('the audit lines', () => {
      const lines = readFileSync(s.auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { decision: string; method: string; verb: string; resource: string });
      const audited = lines.filter((e) => e.decision === 'unauthenticated' && e.method === 'kite.core.v1.PodService/CreatePod');
      return audited.length > 0 && audited;
    }).then((audited) => {
      report(`audit: ${audited.length} unauthenticated CreatePod lines`);
      assert.deepEqual([audited[0].verb, audited[0].resource], ['create', 'pods']);
    });
    assert.ok(await admin.namespaces.get('default'), 'the apiserver still serves');
  });

  it('keeps health checks and an admin list under a second during a 2000-request flood from one user, and refuses the excess', async () => {
    const pid = s.proc.pid!;
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: 'flood' } }));
    await admin.resource(K.ClusterRoleBindings).create(
      ClusterRoleBinding.fromPartial({
        metadata: { name: 'flooder-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'flooder' }],
      }),
    );
    const pods = Array.from({ length: 300 }, (_, i) =>
      Pod.fromPartial({ metadata: { name: `p${i}`, namespace: 'flood', labels: { app: 'flood' } }, spec: { containers: [{ name: 'c', image: 'nginx', env: [{ name: 'PAD', value: 'x'.repeat(1000) }] }] } }),
    );
    for (let i = 0; i < pods.length; i += 50) await Promise.all(pods.slice(i, i + 50).map((p) => admin.pods.create(p)));
    const prober = s.client({});
    await Promise.all([healthCheck(prober), admin.pods.list({ namespace: 'flood' })]);

    const before = rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 50);
    const flood = startFlood(s, 'flood', 2000, 8);
    const healthMs: number[] = [];
    const adminMs: number[] = [];
    try {
      // Probe while the flood is on, from the first answer it gets.
      await flood.first;
      for (let i = 0; i < 5; i++) {
        healthMs.push(await healthCheck(prober));
        const start = performance.now();
        const list = await admin.pods.list({ namespace: 'flood' });
        adminMs.push(performance.now() - start);
        assert.equal(list.items.length, 300);
      }
    } finally {
      clearInterval(sampler);
    }
    const stillFlooding = !flood.finished();
    const r = await flood.result;
    const after = rssMiB(pid);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    report(
      `2000 concurrent lists of 300 pods from one user over 8 connections (another process): ${r.answered} answered, ${r.refused} RESOURCE_EXHAUSTED (retry-after ${r.retryAfter.join(',')} s), ${r.other.length} other errors; ` +
        `meanwhile health ${fmt(healthMs)} ms, system:masters list ${fmt(adminMs)} ms; apiserver RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} -> ${after.toFixed(0)} MiB`,
    );
    assert.deepEqual(r.other, []);
    assert.ok(r.refused > 0, 'the excess is refused');
    assert.equal(r.answered + r.refused, 2000);
    assert.deepEqual(r.retryAfter, ['1'], 'every refusal says when to retry');
    for (const m of r.refusalMessages) assert.match(m, /^Too many requests, please try again later \(priority level "global-default": /);
    assert.ok(stillFlooding, 'the probes ran during the flood');
    assert.ok(Math.max(...healthMs) < 1000, `health answered within 1 s: ${fmt(healthMs)} ms`);
    assert.ok(Math.max(...adminMs) < 1000, `the system:masters list answered within 1 s: ${fmt(adminMs)} ms`);
    assert.ok(peak - before < 200, `RSS stays bounded: +${(peak - before).toFixed(0)} MiB at the peak`);
  });
});
