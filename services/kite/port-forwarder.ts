// The program behind `kite create port-mapping`: a port published on the host after the cluster
// was made (kind cannot do this: kubernetes-sigs/kind#2720). Docker fixes a container's published
// ports when it is created, so instead of the node container, a small forwarder container on the
// cluster's network publishes the host port and relays every TCP connection (or UDP datagram
// flow) to the node's container port. The target is the node's name, resolved by Docker's DNS on
// every new connection, so the mapping keeps working when the node restarts with another address.
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';

export type ForwardProtocol = 'TCP' | 'UDP';

export interface ForwarderOptions {
  protocol: ForwardProtocol;
  listenPort: number;
  /** Address to listen on (inside the forwarder's container: all of them). */
  listenAddress?: string;
  targetHost: string;
  targetPort: number;
  /** UDP: a client's flow is forgotten after this much silence (default 30 s, as conntrack's UDP timeout). */
  udpIdleMs?: number;
}

export interface Forwarder {
  /** The port listened on (the one asked for, or the one the system chose for 0). */
  port: number;
  close(): Promise<void>;
}

export function startForwarder(o: ForwarderOptions): Promise<Forwarder> {
  return o.protocol === 'UDP' ? startUdp(o) : startTcp(o);
}

function startTcp(o: ForwarderOptions): Promise<Forwarder> {
  // Half-closes pass through (a client that ends its request still gets the whole reply).
  const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: o.targetHost, port: o.targetPort, allowHalfOpen: true });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    // A failure on either side ends both: the client sees its connection reset, as with no listener.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.resetAndDestroy());
    upstream.once('connect', () => client.resume());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return listen(server, o).then((port) => ({
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }));
}

function listen(server: Server, o: ForwarderOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listenPort, o.listenAddress ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function startUdp(o: ForwarderOptions): Promise<Forwarder> {
  const idleMs = o.udpIdleMs ?? 30_000;
  const server = createSocket('udp4');
  // One upstream socket per client address, so replies find their way back.
  const flows = new Map<string, { socket: UdpSocket; timer: NodeJS.Timeout }>();
  const flowFor = (from: RemoteInfo) => {
    const key = `${from.address}:${from.port}`;
    const known = flows.get(key);
    if (known) {
      known.timer.refresh();
      return known;
    }
    const socket = createSocket('udp4');
    const forget = () => {
      clearTimeout(flow.timer);
      flows.delete(key);
      socket.close();
    };
    const flow = { socket, timer: setTimeout(forget, idleMs) };
    socket.on('message', (reply) => {
      flow.timer.refresh();
      server.send(reply, from.port, from.address);
    });
    socket.on('error', forget);
    flows.set(key, flow);
    return flow;
  };
  server.on('message', (msg, from) => flowFor(from).socket.send(msg, o.targetPort, o.targetHost));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.bind(o.listenPort, o.listenAddress ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve({
        port: server.address().port,
        close: () =>
          new Promise<void>((done) => {
            for (const f of flows.values()) {
              clearTimeout(f.timer);
              f.socket.close();
            }
            flows.clear();
            server.close(() => done());
          }),
      });
    });
  });
}
