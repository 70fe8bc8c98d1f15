// Small networking helpers.
import { createServer } from 'node:net';

/** A TCP port free on `address` right now (the system picks it; nothing holds it afterwards). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The address at `index` of an IPv4 CIDR, counted from its network address (Kubernetes'
 * GetIndexedIP): index 1 of the Service range is the `kubernetes` Service's ClusterIP, which the
 * apiserver's certificate must name.
 */
export function indexedIP(cidr: string, index: number): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || bits > 32) throw new Error(`invalid IPv4 CIDR "${cidr}"`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const network = (((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) & mask) >>> 0;
  if (index >= 2 ** (32 - bits)) throw new Error(`index ${index} is out of range of ${cidr}`);
  const n = network + index;
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
