// An external gRPC client for tests, as a user would run one: `grpcurl` when it is on PATH,
// otherwise `buf curl` from the @bufbuild/buf npm package. Both find every method through the
// server's reflection service; requests and responses are protobuf JSON.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const BUF = join(__dirname, '..', '..', 'node_modules', '.bin', 'buf');

export type ExternalClientName = 'grpcurl' | 'buf curl';

/** Which client the tests use here: grpcurl if installed, else buf curl. */
export function externalClient(): ExternalClientName {
  if (spawnSync('grpcurl', ['-version'], { stdio: 'ignore' }).error === undefined) return 'grpcurl';
  if (!existsSync(BUF)) throw new Error(`neither grpcurl on PATH nor ${BUF} (npm ci installs @bufbuild/buf)`);
  return 'buf curl';
}

export interface CallResult {
  /** The gRPC status code (0 = OK). */
  code: number;
  /** Every response message, parsed. */
  messages: unknown[];
  /** The status message of a failed call ("" when OK). */
  message: string;
  stderr: string;
}

/** The status message from the client's error output (buf curl: JSON; grpcurl: "Message: ..."). */
function statusMessage(stderr: string): string {
  try {
    const parsed = new JsonStream().push(stderr)[0] as { message?: string } | undefined;
    if (parsed?.message) return parsed.message;
  } catch {
    // not JSON: grpcurl's text form
  }
  return stderr.match(/^\s*Message: (.*)$/m)?.[1] ?? stderr.trim();
}

/** The command line for a call of `method` ("pkg.Service/Method") with a JSON request. */
function callArgs(client: ExternalClientName, address: string, method: string, data: unknown): [string, string[]] {
  const json = JSON.stringify(data ?? {});
  if (client === 'grpcurl') return ['grpcurl', ['-plaintext', '-d', json, address, method]];
  return [BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--data', json, `http://${address}/${method}`]];
}

/** Maps the client's exit status to a gRPC code: buf curl exits with code << 3, grpcurl with 64 + code. */
function grpcCode(client: ExternalClientName, exit: number | null, stderr: string): number {
  if (exit === 0) return 0;
  if (client === 'buf curl' && exit !== null && exit >= 8 && exit % 8 === 0) return exit >> 3;
  if (client === 'grpcurl' && exit !== null && exit > 64) return exit - 64;
  throw new Error(`${client} failed (exit ${exit}) before any RPC status: ${stderr.trim()}`);
}

/** Splits concatenated JSON documents (both clients print one pretty document per message). */
export class JsonStream {
  private buf = '';

  /** Feeds text; returns the documents completed by it. */
  push(text: string): unknown[] {
    this.buf += text;
    const out: unknown[] = [];
    let depth = 0;
    let inString = false;
    let escaped = false;
    let start = -1;
    let consumed = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const ch = this.buf[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') {
        if (depth === 0) start = i;
        depth++;
      } else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) {
          out.push(JSON.parse(this.buf.slice(start, i + 1)));
          consumed = i + 1;
        }
      }
    }
    this.buf = this.buf.slice(consumed);
    return out;
  }
}

/** Calls a unary method; resolves with the status and the response. */
export function grpcCall(address: string, method: string, data?: unknown, timeoutMs = 30_000): Promise<CallResult> {
  const s = grpcStream(address, method, data);
  const timer = setTimeout(() => s.kill(), timeoutMs);
  return s.done.finally(() => clearTimeout(timer));
}

export interface StreamingCall {
  /** Messages received so far (grows while the call runs). */
  readonly messages: unknown[];
  /** Settles when the client exits. */
  readonly done: Promise<CallResult>;
  kill(): void;
}

/** Starts a call and exposes its response messages as they arrive (for server streams). */
export function grpcStream(address: string, method: string, data?: unknown): StreamingCall {
  const client = externalClient();
  const [cmd, args] = callArgs(client, address, method, data);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: unknown[] = [];
  const parser = new JsonStream();
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => messages.push(...parser.push(t)));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const done = new Promise<CallResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exit) => {
      try {
        const code = grpcCode(client, exit, stderr);
        resolve({ code, messages, message: code === 0 ? '' : statusMessage(stderr), stderr });
      } catch (err) {
        reject(err);
      }
    });
  });
  return { messages, done, kill: () => child.kill('SIGKILL') };
}

/** Runs a command to completion without blocking the event loop (the server may live in this process). */
function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    child.once('error', reject);
    child.once('close', (exit) => {
      clearTimeout(timer);
      if (exit === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${exit}): ${err.trim()}`));
    });
  });
}

const lines = (out: string) => out.split('\n').map((l) => l.trim()).filter(Boolean);

/** The services the server lists through reflection. */
export async function listServices(address: string): Promise<string[]> {
  const client = externalClient();
  return lines(
    client === 'grpcurl'
      ? await run('grpcurl', ['-plaintext', address, 'list'])
      : await run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--list-services', `http://${address}`]),
  );
}

/** The methods of one service through reflection, as "pkg.Service/Method". */
export async function listMethods(address: string, service: string): Promise<string[]> {
  const client = externalClient();
  const out =
    client === 'grpcurl'
      ? await run('grpcurl', ['-plaintext', address, 'list', service])
      : await run(BUF, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--list-methods', `http://${address}`]);
  // grpcurl prints "pkg.Service.Method" of one service, buf curl "pkg.Service/Method" of all.
  return lines(out)
    .map((m) => (m.includes('/') ? m : `${m.slice(0, m.lastIndexOf('.'))}/${m.slice(m.lastIndexOf('.') + 1)}`))
    .filter((m) => m.startsWith(`${service}/`));
}
