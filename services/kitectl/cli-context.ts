// What every verb needs: output streams, the global flags, and a connection to the apiserver
// that is opened lazily (so `version --client` and `config` never touch the network) and
// checked with a short deadline, so an unreachable server fails fast with its address.
import type { Clientset } from '../../lib/client/clientset';
import { CliError } from './cli-errors';

export interface GlobalOptions {
  server?: string;
  kubeconfig?: string;
  namespace?: string;
  /** kubectl's --request-timeout ("30s", "1m", "0" = default). */
  requestTimeout?: string;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** All of standard input (for -f -). */
  readStdin(): Promise<string>;
  /** Aborted on Ctrl-C; long-running verbs (get -w, rollout status) stop quietly. */
  signal: AbortSignal;
  /** Standard output is a terminal (`create token` then ends the token with a newline). */
  outIsTerminal?: boolean;
}

export const CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** "30s", "2m", "1h", "500ms", or a bare number of seconds, as kubectl's duration flags. */
export function parseDuration(s: string, flag: string): number {
  const m = s.trim().match(/^(\d+(?:\.\d+)?)(ms|s|m|h)?$/);
  if (!m) throw new CliError(`invalid argument "${s}" for "${flag}" flag: time: invalid duration "${s}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}

/**
 * Waits until the channel is connected. Unlike waiting for a deadline, a failed first attempt
 * (connection refused, TLS handshake failure) is reported at once, as kubectl does; a TLS client
 * meeting a plaintext server, or the reverse, is told so with the fix.
 */
async function waitConnected(cs: Clientset, timeoutMs: number): Promise<void> {
  const { connectivityState: State } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const channel = cs.grpc.getChannel();
  const deadline = Date.now() + timeoutMs;
  const where = `cannot reach the apiserver at ${cs.config.address} (from ${cs.config.source})`;
  let state = channel.getConnectivityState(true);
  while (state !== State.READY) {
    if (state === State.TRANSIENT_FAILURE || state === State.SHUTDOWN) {
      // A TLS mismatch names its fix; anything else stays kubectl's short advice.
      const failure = state === State.TRANSIENT_FAILURE ? await cs.connectionFailure() : undefined;
      const mismatch = failure?.cause === 'plaintext-server' || failure?.cause === 'tls-server';
      throw new CliError(`${where}: ${mismatch ? failure.message : 'connection failed (is the apiserver running and is the address right?)'}`);
    }
    const changed = await new Promise<boolean>((resolve) => channel.watchConnectivityState(state, deadline, (err) => resolve(!err)));
    if (!changed) throw new CliError(`${where}: no connection within ${timeoutMs / 1000} s`);
    state = channel.getConnectivityState(false);
  }
}

export class Cli {
  private clients: Clientset | undefined;
  private ready: Promise<Clientset> | undefined;
  private readonly warned = new Set<string>();

  constructor(
    readonly global: GlobalOptions,
    readonly io: Io,
  ) {}

  /** True when -n was given (kubectl then refuses manifests naming another namespace). */
  get namespaceGiven(): boolean {
    return Boolean(this.global.namespace);
  }

  /** The connected clientset; the first call waits (briefly) for the apiserver. */
  clientset(): Promise<Clientset> {
    this.ready ??= this.connect();
    return this.ready;
  }

  private async connect(): Promise<Clientset> {
    const { connect } = require('../../lib/client/clientset') as typeof import('../../lib/client/clientset');
    const timeout = this.global.requestTimeout ? parseDuration(this.global.requestTimeout, '--request-timeout') : 0;
    let cs: Clientset;
    try {
      cs = connect({
        server: this.global.server,
        kubeconfig: this.global.kubeconfig,
        namespace: this.global.namespace,
        timeoutMs: timeout || DEFAULT_REQUEST_TIMEOUT_MS,
        userAgent: 'kitectl/0.1.0',
        warningHandler: (text) => this.warn(text),
      });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    this.clients = cs;
    await waitConnected(cs, CONNECT_TIMEOUT_MS);
    return cs;
  }

  /** Prints an apiserver warning once per run, as kubectl's default warning writer does. */
  private warn(text: string): void {
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.io.err(`Warning: ${text}\n`);
  }

  /** The namespace verbs act in: -n, else the context's, else "default". */
  async namespace(): Promise<string> {
    if (this.global.namespace) return this.global.namespace;
    return (await this.clientset()).config.namespace || 'default';
  }

  close(): void {
    this.clients?.close();
  }
}
