// The kubelet's gRPC endpoint (what the apiserver proxies `kitectl logs` and `kitectl exec` to),
// reached the way the apiserver reaches it: the node's InternalIP and registered kubelet port.
import { strict as assert } from 'node:assert';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import { ContainerLogsRequest, ExecRequest, type ExecResponse, type KubeletServiceClient, type LogChunk } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import { kubeletAddress, kubeletClient } from '../../../lib/client/kubelet-client';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const BUSYBOX = TEST_IMAGES.busybox;

function logs(client: KubeletServiceClient, req: Partial<ContainerLogsRequest>): Promise<LogChunk[]> {
  return new Promise((resolve, reject) => {
    const chunks: LogChunk[] = [];
    const call = client.containerLogs(ContainerLogsRequest.fromPartial({ namespace: 'default', ...req }));
    call.on('data', (c: LogChunk) => chunks.push(c));
    call.on('error', reject);
    call.on('end', () => resolve(chunks));
  });
}

function text(chunks: LogChunk[], stream?: string): string {
  return chunks
    .filter((c) => !stream || c.stream === stream)
    .map((c) => c.content.toString())
    .join('');
}

interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode?: number;
}

function exec(client: KubeletServiceClient, start: Partial<NonNullable<ExecRequest['start']>>, stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const out: ExecResult = { stdout: '', stderr: '' };
    const call = client.exec();
    call.on('data', (r: ExecResponse) => {
      out.stdout += r.stdout.toString();
      out.stderr += r.stderr.toString();
      if (r.exitCode !== undefined) out.exitCode = r.exitCode;
    });
    call.on('error', reject);
    call.on('end', () => resolve(out));
    call.write(ExecRequest.fromPartial({ start: { namespace: 'default', stdin: stdin !== undefined, ...start } }));
    if (stdin !== undefined) {
      call.write(ExecRequest.fromPartial({ stdin: Buffer.from(stdin) }));
      call.write(ExecRequest.fromPartial({ stdinClose: true }));
    }
    call.end();
  });
}

describe('kubelet logs and exec endpoint', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;
  let client: KubeletServiceClient;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('kls');
    await fx.startKubelet();
    const address = kubeletAddress(await fx.client.nodes.get(fx.node));
    assert.ok(address, 'the node reports its kubelet endpoint');
    client = kubeletClient(address);
    await fx.createPod('talk', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'echo one; echo two >&2; echo three; exec sleep 3600'] }], {
      terminationGracePeriodSeconds: 0,
    });
    await fx.waitForPod('talk', 'Running', (p) => p.status!.phase === 'Running');
  });

  after(async () => {
    client?.close();
    await fx?.cleanup();
  });

  it('streams a container log, stdout and stderr apart, with tail and timestamps', async () => {
    const all = await logs(client, { podName: 'talk' });
    // Docker copies stdout and stderr separately: order holds within a stream, not across.
    assert.equal(text(all, 'stdout'), 'one\nthree\n');
    assert.equal(text(all, 'stderr'), 'two\n');
    assert.match(text(await logs(client, { podName: 'talk', container: 'c', tailLines: 1 })), /^(three|two)\n$/);
    const stamped = text(await logs(client, { podName: 'talk', timestamps: true }), 'stdout').split('\n');
    assert.match(stamped[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z one$/);
    assert.equal(text(await logs(client, { podName: 'talk', limitBytes: 2 })).length, 2);
  });

  it('follows a log until the caller cancels', async () => {
    await fx.createPod('ticker', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'] }], {
      terminationGracePeriodSeconds: 0,
    });
    await fx.waitForPod('ticker', 'Running', (p) => p.status!.phase === 'Running');
    const lines: string[] = [];
    const err = await new Promise<ServiceError>((resolve) => {
      const call = client.containerLogs(ContainerLogsRequest.fromPartial({ namespace: 'default', podName: 'ticker', follow: true, tailLines: 0 }));
      call.on('data', (c: LogChunk) => {
        lines.push(c.content.toString());
        if (lines.length === 5) call.cancel();
      });
      call.on('error', resolve);
    });
    assert.equal(err.code, Status.CANCELLED);
    assert.equal(lines.length, 5);
    const numbers = lines.map((l) => Number(/^tick (\d+)\n$/.exec(l)![1]));
    assert.deepEqual(numbers, numbers.map((_, i) => numbers[0] + i), 'lines in order, none lost');
  });

  it('reads the previous instance of a restarted container (--previous)', async () => {
    await fx.createPod('once', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'echo run at $(date +%s%N); exit 1'] }]);
    await fx.waitForPod('once', 'restarted', (p) => (containerStatus(p, 'c')?.restartCount ?? 0) >= 1);
    assert.match(text(await logs(client, { podName: 'once', previous: true })), /^run at \d+\n$/);
    await assert.rejects(logs(client, { podName: 'talk', previous: true }), (e: ServiceError) => e.code === Status.FAILED_PRECONDITION && /previous terminated container "c"/.test(e.details));
  });

  it('execs a command: output streams apart and the exit code passes through', async () => {
    const r = await exec(client, { podName: 'talk', command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
    const ok = await exec(client, { podName: 'talk', container: 'c', command: ['true'] });
    assert.equal(ok.exitCode, 0);
  });

  it('feeds stdin to an exec and closes it when the caller is done', async () => {
    const r = await exec(client, { podName: 'talk', command: ['sh', '-c', 'tr a-z A-Z; echo done'] }, 'hello kite\n');
    assert.deepEqual(r, { stdout: 'HELLO KITE\ndone\n', stderr: '', exitCode: 0 });
  });

  it('answers NOT_FOUND for a pod not on this node and INVALID_ARGUMENT for an unknown container', async () => {
    await assert.rejects(logs(client, { podName: 'nope' }), (e: ServiceError) => e.code === Status.NOT_FOUND);
    await assert.rejects(exec(client, { podName: 'nope', command: ['true'] }), (e: ServiceError) => e.code === Status.NOT_FOUND);
    await assert.rejects(logs(client, { podName: 'talk', container: 'x' }), (e: ServiceError) => e.code === Status.INVALID_ARGUMENT);
    const pod = await fx.client.pods.get('talk');
    await assert.rejects(logs(client, { podName: 'talk', podUid: 'not-' + pod.metadata!.uid }), (e: ServiceError) => e.code === Status.NOT_FOUND);
  });
});
