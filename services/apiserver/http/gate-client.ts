// The HTTP front door's way into the gate: a gRPC client of the apiserver's own services over an
// internal unix socket (0600, in a 0700 directory of its own), every call carrying the HTTP
// caller's credentials (its bearer token as is; its verified client certificate, address and user
// agent in metadata only the FrontDoorTrust secret makes believable) and impersonation headers,
// so authentication, impersonation, decoding, priority and fairness, authorization, admission and
// audit run exactly as for a gRPC caller.
import { Client, credentials, Metadata, status as Status, type ClientDuplexStream, type ClientReadableStream, type StatusObject } from '@grpc/grpc-js';
import { fromServiceError } from '../../../lib/api/errors';
import { parseWarningHeaders, WARNING_METADATA_KEY } from '../../../lib/api/warnings';
import type { KindInfo, Verb } from '../../../lib/api/kinds';
import { extraEntry, IMPERSONATE_EXTRA, IMPERSONATE_GROUP, IMPERSONATE_UID, IMPERSONATE_USER } from '../auth/authn/impersonation';
import type { FrontDoorTrust } from '../auth/authn/front-door-trust';

/** Who is calling, as the HTTP request presents itself. */
export interface HttpCaller {
  /** The Authorization header, as sent. */
  authorization?: string;
  /** DER of a client certificate the TLS layer verified against the client CA. */
  certificate?: Buffer;
  peer?: string;
  userAgent?: string;
  impersonateUser?: string;
  impersonateGroups: string[];
  impersonateUid?: string;
  /** Impersonate-Extra-<key> headers: key (unescaped, lower case) -> values. */
  impersonateExtra?: Record<string, string[]>;
}

export type MethodDef = { path: string; requestSerialize: (v: any) => Buffer; responseDeserialize: (b: Buffer) => any };

/** kube-apiserver's --request-timeout default: a call not answered by then is a 504. */
const REQUEST_TIMEOUT_MS = 60_000;

export class GateClient {
  private readonly client: Client;

  constructor(
    socketPath: string,
    private readonly trust: FrontDoorTrust,
  ) {
    this.client = new Client(`unix:${socketPath}`, credentials.createInsecure(), {
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
      // Per-call work nobody reads: channelz's call counters, and retry bookkeeping for a socket in this process.
      'grpc.enable_channelz': 0,
      'grpc.enable_retries': 0,
      // A list of thousands of objects arrives without waiting for window updates at every 64 KiB.
      'grpc-node.flow_control_window': 64 * 1024 * 1024,
    });
  }

  private metadata(caller: HttpCaller): Metadata {
    const md = this.trust.metadata(caller);
    if (caller.authorization !== undefined) md.set('authorization', caller.authorization);
    if (caller.impersonateUser !== undefined) md.set(IMPERSONATE_USER, caller.impersonateUser);
    for (const g of caller.impersonateGroups) md.add(IMPERSONATE_GROUP, g);
    if (caller.impersonateUid !== undefined) md.set(IMPERSONATE_UID, caller.impersonateUid);
    for (const [key, values] of Object.entries(caller.impersonateExtra ?? {})) for (const v of values) md.add(IMPERSONATE_EXTRA, extraEntry(key, v));
    return md;
  }

  static method(kind: KindInfo<any>, verb: Verb): MethodDef {
    const rpc = kind.methods[verb];
    const m = rpc && (kind.service as unknown as Record<string, MethodDef>)[rpc.charAt(0).toLowerCase() + rpc.slice(1)];
    if (!m) throw new Error(`${kind.serviceName} has no ${verb} method`);
    return m;
  }

  /**
   * One unary call (`extra`: request metadata beside the caller's); resolves with the response,
   * the warnings sent with it (in its headers or trailers) and its trailing metadata, or rejects
   * with the typed ApiError. Made on the channel itself, as Client.makeUnaryRequest makes it
   * without the client-interceptor chain and call emitter it builds per call (this client has no
   * interceptors).
   */
  unary<R>(method: MethodDef, request: unknown, caller: HttpCaller, extra?: Metadata): Promise<{ response: R; warnings: string[]; trailer: Metadata }> {
    return new Promise((resolve, reject) => {
      const warnings: string[] = [];
      let response: { value: R } | undefined;
      const message = method.requestSerialize(request);
      const call = this.client.getChannel().createCall(method.path, Date.now() + REQUEST_TIMEOUT_MS, undefined, null, undefined);
      const md = this.metadata(caller);
      if (extra) md.merge(extra);
      call.start(md, {
        onReceiveMetadata: (md: Metadata) => warnings.push(...parseWarningHeaders(md.get(WARNING_METADATA_KEY))),
        onReceiveMessage: (bytes: Buffer) => {
          try {
            response = { value: method.responseDeserialize(bytes) };
          } catch (err) {
            call.cancelWithStatus(Status.INTERNAL, `Response message parsing error: ${(err as Error).message}`);
          }
        },
        onReceiveStatus: (status: StatusObject) => {
          if (status.code === Status.OK && response) {
            warnings.push(...parseWarningHeaders(status.metadata.get(WARNING_METADATA_KEY)));
            return resolve({ response: response.value, warnings, trailer: status.metadata });
          }
          const failed = status.code === Status.OK ? { ...status, code: Status.UNIMPLEMENTED, details: 'No message received' } : status;
          reject(fromServiceError(Object.assign(new Error(`${failed.code} ${Status[failed.code]}: ${failed.details}`), failed)));
        },
      });
      call.startRead();
      call.sendMessageWithContext({}, message);
      call.halfClose();
    });
  }

  /** A server stream (watch, pods/log); its errors are raw ServiceErrors (see fromServiceError). */
  stream<R>(method: MethodDef, request: unknown, caller: HttpCaller): ClientReadableStream<R> {
    return this.client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request, this.metadata(caller));
  }

  /** A bidirectional stream (pods/exec); its errors are raw ServiceErrors. */
  duplex<Q, R>(method: MethodDef & { responseDeserialize: (b: Buffer) => R }, caller: HttpCaller): ClientDuplexStream<Q, R> {
    return this.client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, this.metadata(caller));
  }

  close(): void {
    this.client.close();
  }
}
