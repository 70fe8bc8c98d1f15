// The DNS transports, as CoreDNS's server (miekg/dns) serves them: UDP, where a response larger
// than the client's limit (512 bytes, or the UDP payload size of its EDNS0 OPT record, RFC 6891)
// goes back with the TC bit and no records (names compressed first, see name-compression.ts) so the client asks again over TCP; and TCP with
// two-byte length framing, any number of queries per connection, answered as each completes.
// Only queries are answered: a datagram with the QR bit set is dropped, so two servers never
// bounce errors at each other. A failed send (an unreachable or broadcast source) is logged; the
// sockets keep serving. With metrics, each answered query is counted and timed (metrics.ts).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import * as packet from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { logger } from '../../lib/log';
import { compressNames } from './name-compression';
import type { DnsMetrics } from './metrics';
import type { Answered, QueryHandler } from './query-handler';
import { RCODES, reply } from './query-handler';
import { frame, MAX_TCP_MESSAGE, readFrames } from './tcp-framing';

/** The plain DNS limit over UDP without EDNS0 (RFC 1035 4.2.1). */
export const MIN_UDP_SIZE = 512;
/** The largest UDP payload kite-dns sends or advertises (the DNS flag day's 1232). */
export const MAX_UDP_SIZE = 1232;
/** An idle TCP connection is closed after this long (miekg/dns's idle timeout). */
export const TCP_IDLE_MS = 8_000;

export interface DnsServerOptions {
  host: string;
  /** 0: any free port (the same one for UDP and TCP). */
  port: number;
}

export class DnsServer {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly conns = new Set<Socket>();
  private readonly log = logger('kite-dns');

  constructor(
    private readonly handler: QueryHandler,
    private readonly metrics?: DnsMetrics,
  ) {}

  /** Listens on UDP and TCP; resolves with the port. */
  async listen(opts: DnsServerOptions): Promise<number> {
    const tcp = createServer((sock) => this.serveTcp(sock));
    tcp.on('error', (err) => this.log.warn({ err: err.message }, 'TCP server error'));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(opts.port, opts.host, () => resolve());
    });
    this.tcp = tcp;
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4' });
    udp.on('message', (msg, rinfo) => this.serveUdp(msg, rinfo.port, rinfo.address, rinfo.family));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, opts.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => this.log.warn({ err: err.message }, 'UDP send failed'));
    this.udp = udp;
    this.metrics?.setServer(opts.host, port);
    return port;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
    ]);
  }

  private serveUdp(msg: Buffer, port: number, address: string, family: string): void {
    const query = decodeQuery(msg);
    if (!query || query.type !== 'query') return;
    const send = this.counted(query, 'udp', family, (res: Packet) => this.udp?.send(encodeUdp(query, res), port, address));
    const res = this.respond(query, send.answered);
    if (res instanceof Promise) res.then(send);
    else send(res);
  }

  private serveTcp(sock: Socket): void {
    this.conns.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    readFrames(sock, (msg) => {
      const query = decodeQuery(msg);
      if (!query || query.type !== 'query') {
        sock.destroy();
        return;
      }
      const send = this.counted(query, 'tcp', sock.remoteFamily, (res: Packet) => {
        if (!sock.destroyed) sock.write(frame(encodeTcp(query, res)));
      });
      const res = this.respond(query, send.answered);
      if (res instanceof Promise) res.then(send);
      else send(res);
    });
  }

  /** `send`, counting and timing the response when there are metrics. */
  private counted(query: Packet, proto: 'udp' | 'tcp', family: string | undefined, send: (res: Packet) => void): ((res: Packet) => void) & { answered?: Answered } {
    const metrics = this.metrics;
    if (!metrics) return send;
    const start = process.hrtime.bigint();
    const answered: Answered = { plugin: '' };
    return Object.assign(
      (res: Packet) => {
        send(res);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        metrics.served(proto, family === 'IPv6' ? 2 : 1, query.questions?.[0]?.type, (res.flags ?? 0) & 0xf, answered.plugin, seconds);
      },
      { answered },
    );
  }

  private respond(query: Packet, answered?: Answered): Packet | Promise<Packet> {
    try {
      const res = this.handler.handle(query, answered);
      return res instanceof Promise ? res.catch(() => reply(query, RCODES.SERVFAIL, false)) : res;
    } catch {
      return reply(query, RCODES.SERVFAIL, false);
    }
  }
}

function decodeQuery(msg: Buffer): Packet | undefined {
  try {
    return packet.decode(msg);
  } catch {
    return undefined;
  }
}

/** The query's EDNS0 OPT record, if it sent one. */
function optOf(query: Packet): (Answer & { udpPayloadSize?: number }) | undefined {
  return (query.additionals as (Answer & { udpPayloadSize?: number })[] | undefined)?.find((r) => r.type === 'OPT');
}

/** The response with an OPT record of its own when the query had one (RFC 6891 7). */
function withOpt(query: Packet, res: Packet): Packet {
  if (!optOf(query)) return res;
  return { ...res, additionals: [...(res.additionals ?? []), { type: 'OPT', name: '.', udpPayloadSize: MAX_UDP_SIZE, flags: 0 } as Answer] };
}

/** The UDP response, or its truncated form (TC set, no records but OPT) when larger than the client accepts. */
export function encodeUdp(query: Packet, res: Packet): Buffer {
  const opt = optOf(query);
  const limit = opt ? Math.min(MAX_UDP_SIZE, Math.max(MIN_UDP_SIZE, opt.udpPayloadSize ?? MIN_UDP_SIZE)) : MIN_UDP_SIZE;
  const full = encodeMessage(withOpt(query, res));
  if (full.length <= limit) return full;
  return encodeMessage(withOpt(query, truncated(res)));
}

/** The response with TC set and no records. */
function truncated(res: Packet): Packet {
  return { ...res, flags: (res.flags ?? 0) | packet.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] };
}

/** The TCP response, or its truncated form when even two bytes of length cannot say its size. */
export function encodeTcp(query: Packet, res: Packet): Buffer {
  const full = encodeMessage(withOpt(query, res));
  if (full.length <= MAX_TCP_MESSAGE) return full;
  return encodeMessage(withOpt(query, truncated(res)));
}

/** The wire form of a message, names compressed. */
export function encodeMessage(p: Packet): Buffer {
  return compressNames(packet.encode(p));
}
