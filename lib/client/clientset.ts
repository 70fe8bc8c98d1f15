// One connection to the apiserver and a typed client per kind over it.
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { ChannelCredentials, Client, Metadata, connectivityState as State, credentials as grpcCredentials } from '@grpc/grpc-js';
import * as K from '../api/kinds';
import { describeConnectionFailure, splitAddress, type ConnectionFailure } from './connection-errors';
import type { InClusterOptions } from './in-cluster';
import { loadConnectionConfig, type ConnectionConfig, type TokenSource } from './kubeconfig';
import { ResourceClient, type ClientCallOptions } from './resource-client';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';

/** Messages up to this size are accepted by clients (the apiserver limits objects separately). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface ClientsetOptions {
  timeoutMs?: number;
  retry?: RetryPolicy;
  /** Identifies the caller in the apiserver's logs and audit (like kubectl's user agent). */
  userAgent?: string;
  /** Told each warning the apiserver sends with a response (client-go's WarningHandler); ignored when absent. */
  warningHandler?: (text: string) => void;
}

/** The host part of "host:port" / "[v6]:port", without brackets. */
const hostOf = (address: string): string => splitAddress(address).host;

/**
 * When the server is dialed by IP address, the certificate is verified against that IP, while
 * the TLS server name (SNI) sent is "kubernetes" (in every Kite apiserver certificate): Node
 * warns (DEP0123) on an IP address as server name, which grpc-js would otherwise send.
 */
const IP_DIAL_SERVER_NAME = 'kubernetes';

function channelCredentials(cfg: ConnectionConfig): ChannelCredentials {
  if (!cfg.tls) return grpcCredentials.createInsecure();
  const host = hostOf(cfg.address);
  const verify = !cfg.serverName && isIP(host) ? { checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(host, cert) } : {};
  return grpcCredentials.createSsl(cfg.ca ?? null, cfg.key ?? null, cfg.cert ?? null, verify);
}

/**
 * Each call's metadata: the authorization header of the token read now, built once per token
 * value (as client-go's transport sets its headers once) and shared by the calls, which grpc-js
 * copies before adding its own headers; a rotated token gets metadata of its own.
 */
function authorizationMetadata(tokenSource: TokenSource): () => Metadata {
  let token: string | undefined;
  let md = new Metadata();
  return () => {
    const now = tokenSource.token();
    if (now !== token) {
      md = new Metadata();
      md.set('authorization', `Bearer ${now}`);
      token = now;
    }
    return md;
  };
}

/** A typed client per kind of the kinds table, by its field name (clientset.pods, clientset.replicaSets). */
type TypedClients = { readonly [F in keyof typeof K.KINDS]: ResourceClient<K.ObjectOf<(typeof K.KINDS)[F]>> };

// The class gains the typed client fields of the interface it merges with; the constructor sets them.
export interface Clientset extends TypedClients {}

export class Clientset {
  readonly grpc: Client;
  private readonly byKind = new Map<string, ResourceClient<any>>();
  private readonly callOpts: ClientCallOptions;
  /** The bearer token for a call made now (a token file is re-read as it rotates); undefined without one. */
  readonly bearerToken: () => string | undefined;

  constructor(
    readonly config: ConnectionConfig,
    opts: ClientsetOptions = {},
  ) {
    const options: Record<string, unknown> = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.primary_user_agent': opts.userAgent ?? 'kite-client',
      // Per-call work nobody reads: channelz's call and message counters (no channelz service is asked).
      'grpc.enable_channelz': 0,
    };
    if (config.serverName) options['grpc.ssl_target_name_override'] = config.serverName;
    else if (config.tls && isIP(hostOf(config.address))) options['grpc.ssl_target_name_override'] = IP_DIAL_SERVER_NAME;
    this.grpc = new Client(config.address, channelCredentials(config), options);
    const tokenSource = config.tokenSource ?? (config.token ? { token: () => config.token! } : undefined);
    this.bearerToken = () => tokenSource?.token();
    this.callOpts = {
      timeoutMs: opts.timeoutMs ?? 30_000,
      retry: opts.retry ?? DEFAULT_RETRY,
      onWarning: opts.warningHandler,
      metadata: tokenSource ? authorizationMetadata(tokenSource) : undefined,
    };
    for (const [field, kind] of Object.entries(K.KINDS)) {
      Object.defineProperty(this, field, { value: this.resource(kind as K.KindInfo<any>), enumerable: true });
    }
  }

  /** The typed client for any kind of the kinds table. */
  resource<T extends K.KubeObject>(kind: K.KindInfo<T>): ResourceClient<T> {
    let c = this.byKind.get(kind.kind);
    if (!c) {
      c = new ResourceClient<T>(kind, this.grpc, this.callOpts, this.config.namespace || 'default');
      this.byKind.set(kind.kind, c);
    }
    return c as ResourceClient<T>;
  }

  /**
   * Resolves when the channel is connected, or rejects with a message naming the address and
   * the transport's own reason (e.g. a TLS verification failure), which a probe call reveals. A
   * TLS mismatch (a TLS client and a plaintext server, or the reverse) never heals: it rejects at
   * the first failed attempt, naming the fix.
   */
  waitForReady(timeoutMs = 10_000): Promise<void> {
    const channel = this.grpc.getChannel();
    const deadline = Date.now() + timeoutMs;
    const where = `cannot reach the apiserver at ${this.config.address} (from ${this.config.source})`;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === State.READY) return resolve();
        if (state === State.SHUTDOWN) return reject(new Error(`${where}: the client was closed`));
        const wait = () =>
          channel.watchConnectivityState(state, deadline, (err) => {
            if (!err) return check();
            void this.connectionFailure().then((f) => reject(new Error(`${where}: ${f?.message ?? `no connection within ${timeoutMs / 1000} s`}`)));
          });
        if (state !== State.TRANSIENT_FAILURE) return wait();
        void this.connectionFailure().then((f) => (f && (f.cause === 'plaintext-server' || f.cause === 'tls-server') ? reject(new Error(`${where}: ${f.message}`)) : wait()));
      };
      check();
    });
  }

  /** Why calls fail to connect right now (from a probe call's error), with the fix for a TLS mismatch; undefined when nothing failed. */
  connectionFailure(): Promise<ConnectionFailure | undefined> {
    return new Promise((resolve) => {
      this.grpc.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        {},
        new Metadata(),
        { deadline: Date.now() + 1000 },
        (err) => {
          const detail = err?.details?.replace(/^No connection established\. Last error: (Error: )?/, '').replace(/\. Resolution note: ?$/, '');
          resolve(detail ? describeConnectionFailure(this.config, detail) : undefined);
        },
      );
    });
  }

  close(): void {
    this.grpc.close();
  }
}

/** Builds a Clientset from --server/--kubeconfig/$KITECONFIG as every component does. */
export function connect(opts: { server?: string; kubeconfig?: string; namespace?: string; inCluster?: InClusterOptions } & ClientsetOptions = {}): Clientset {
  return new Clientset(loadConnectionConfig(opts), opts);
}
