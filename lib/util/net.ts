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
