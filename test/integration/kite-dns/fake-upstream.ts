// A resolver on loopback for kite-dns's forwarding tests: answers from a fixed table over UDP
// and TCP (a name not in it is NXDOMAIN with an SOA), counts the questions it got, and can be
// silent (receives, never answers), truncate every UDP answer or answer another question.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import * as packet from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { frame, readFrames } from '../../../services/kite-dns/tcp-framing';

export interface FakeUpstreamOptions {
  /** name -> records (A, AAAA, TXT ...) answered for it. */
  records?: Record<string, Answer[]>;
  /** Never answer. */
  silent?: boolean;
  /** Answer every UDP query with TC set and no records. */
  truncateUdp?: boolean;
  /** Answer with the right id but another question, as a spoofer guessing ids would. */
  wrongQuestion?: boolean;
}

export class FakeUpstream {
  readonly questions: string[] = [];
  port = 0;
  private udp: Socket | undefined;
  private tcp: Server | undefined;

  constructor(private readonly opts: FakeUpstreamOptions = {}) {}

  async start(): Promise<this> {
    this.tcp = createServer((sock) => {
      sock.on('error', () => sock.destroy());
      readFrames(sock, (msg) => {
        const res = this.answer(packet.decode(msg), false);
        if (res) sock.write(frame(res));
      });
    });
    await new Promise<void>((resolve) => this.tcp!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.tcp.address() as { port: number }).port;
    this.udp = createSocket('udp4');
    this.udp.on('message', (msg, rinfo) => {
      const res = this.answer(packet.decode(msg), true);
      if (res) this.udp!.send(res, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => this.udp!.bind(this.port, '127.0.0.1', () => resolve()));
    return this;
  }

  /** How many times `name`/`type` was asked. */
  count(name: string, type: string): number {
    return this.questions.filter((q) => q === `${name} ${type}`).length;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve()));
  }

  private answer(query: Packet, udp: boolean): Buffer | undefined {
    const q = query.questions![0];
    this.questions.push(`${q.name} ${q.type}`);
    if (this.opts.silent) return undefined;
    const questions = this.opts.wrongQuestion ? [{ ...q, name: `spoofed.${q.name}` }] : query.questions;
    const base: Packet = { type: 'response', id: query.id, flags: packet.RECURSION_AVAILABLE | packet.RECURSION_DESIRED, questions };
    if (udp && this.opts.truncateUdp) return packet.encode({ ...base, flags: base.flags! | packet.TRUNCATED_RESPONSE });
    const records = this.opts.records?.[q.name.toLowerCase()]?.map((r) => (this.opts.wrongQuestion ? { ...r, name: `spoofed.${q.name}` } : r));
    if (!records) {
      const soa: Answer = { name: 'test', type: 'SOA', ttl: 30, data: { mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 30 } };
      return packet.encode({ ...base, flags: base.flags! | 3, authorities: [soa] });
    }
    return packet.encode({ ...base, answers: records.filter((r) => r.type === q.type) });
  }
}
