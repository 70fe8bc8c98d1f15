// Forwards the names kite-dns is not authoritative for to the upstream resolvers, as CoreDNS's
// forward plugin does: over UDP, again over TCP when the answer comes back truncated, each
// upstream in turn within one overall deadline. A refused port (ICMP unreachable on the
// connected socket) moves on at once; a silent upstream costs its share of the deadline. No
// answer in time is undefined, which the server answers as SERVFAIL. Query ids are random and an
// answer must repeat the question asked (RFC 5452), so a guessed id alone cannot poison the cache.
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect as tcpConnect, isIPv6 } from 'node:net';
import * as packet from 'dns-packet';
import type { Packet, RecordType } from 'dns-packet';
import { frame, readFrames } from './tcp-framing';

export interface Upstream {
  host: string;
  port: number;
}

/** "1.1.1.1", "1.1.1.1:5353", "[::1]:53", "::1" -> host and port. */
export function parseUpstream(s: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) return { host: bracketed[1], port: Number(bracketed[2] ?? 53) };
  if (isIPv6(s)) return { host: s, port: 53 };
  const [host, port] = s.split(':');
  if (!host) throw new Error(`not an upstream address: ${s}`);
  return { host, port: port ? Number(port) : 53 };
}

/** The nameservers of a resolv.conf, as CoreDNS's `forward . /etc/resolv.conf` reads them. */
export function nameserversOf(resolvConf: string): Upstream[] {
  return resolvConf
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === 'nameserver' && f[1])
    .map((f) => ({ host: f[1], port: 53 }));
}

/** The UDP payload size kite-dns advertises upstream (the DNS flag day's 1232). */
const UPSTREAM_UDP_SIZE = 1232;

interface Pending {
  /** "name|TYPE|CLASS" of the question asked, lower-cased: an answer to another is not ours. */
  question: string;
  resolve: (p: Packet | 'refused') => void;
}

function questionKey(q: packet.Question | undefined): string {
  return q ? `${q.name.toLowerCase()}|${q.type}|${q.class ?? 'IN'}` : '';
}

/** A query for `question` with id `id`, RD set, advertising our UDP payload size. */
function encodeQuery(id: number, question: packet.Question): Buffer {
  return packet.encode({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [question],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UPSTREAM_UDP_SIZE, flags: 0 } as packet.Answer],
  });
}

/** One upstream's connected UDP socket, with its queries in flight by id. */
class UdpChannel {
  private socket: Socket | undefined;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly upstream: Upstream) {}

  /** Asks `question` with an unpredictable id not already in flight (RFC 5452). */
  send(question: packet.Question, timeoutMs: number): Promise<Packet | 'refused' | 'timeout'> {
    let id = randomInt(0x10000);
    while (this.pending.has(id)) id = randomInt(0x10000);
    const query = encodeQuery(id, question);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve('timeout');
      }, timeoutMs);
      this.pending.set(id, {
        question: questionKey(question),
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
      this.open().then(
        (s) => s.send(query),
        () => this.failAll(),
      );
    });
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
    this.failAll();
  }

  private opening: Promise<Socket> | undefined;

  private open(): Promise<Socket> {
    if (this.opening) return this.opening;
    this.opening = new Promise<Socket>((resolve, reject) => {
      const s = createSocket(isIPv6(this.upstream.host) ? 'udp6' : 'udp4');
      s.on('message', (msg) => {
        let p: Packet;
        try {
          p = packet.decode(msg);
        } catch {
          return;
        }
        const waiting = this.pending.get(p.id ?? -1);
        if (!waiting || questionKey(p.questions?.[0]) !== waiting.question) return;
        this.pending.delete(p.id!);
        waiting.resolve(p);
      });
      // ECONNREFUSED: the ICMP port unreachable of a connected socket; every query on it has failed.
      s.on('error', () => this.failAll());
      s.connect(this.upstream.port, this.upstream.host, () => resolve(s));
      s.once('error', reject);
      s.unref();
      this.socket = s;
    });
    return this.opening;
  }

  private failAll(): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.resolve('refused');
  }
}

export class Forwarder {
  private readonly channels: UdpChannel[];

  constructor(
    readonly upstreams: readonly Upstream[],
    private readonly timeoutMs: number,
  ) {
    this.channels = upstreams.map((u) => new UdpChannel(u));
  }

  /** The upstream's answer to name/type, or undefined when none answered within the deadline. */
  async query(name: string, type: RecordType, klass: packet.RecordClass = 'IN'): Promise<Packet | undefined> {
    const deadline = Date.now() + this.timeoutMs;
    for (let i = 0; i < this.channels.length; i++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      const share = Math.max(1, Math.floor(remaining / (this.channels.length - i)));
      const question: packet.Question = { name, type, class: klass };
      const got = await this.channels[i].send(question, share);
      if (got === 'refused' || got === 'timeout') continue;
      if (!((got.flags ?? 0) & packet.TRUNCATED_RESPONSE)) return got;
      const overTcp = await queryTcp(this.upstreams[i], encodeQuery(randomInt(0x10000), question), Math.max(1, deadline - Date.now()));
      if (overTcp) return overTcp;
    }
    return undefined;
  }

  close(): void {
    for (const c of this.channels) c.close();
  }
}

/** One query over TCP (RFC 7766's 2-byte length framing), or undefined on error or timeout. */
function queryTcp(upstream: Upstream, query: Buffer, timeoutMs: number): Promise<Packet | undefined> {
  return new Promise((resolve) => {
    const sock = tcpConnect(upstream.port, upstream.host);
    const done = (p: Packet | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(p);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
    sock.write(frame(query));
    readFrames(sock, (message) => {
      try {
        done(packet.decode(message));
      } catch {
        done(undefined);
      }
    });
  });
}
