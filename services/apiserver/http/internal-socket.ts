// The gRPC server's second listener, for the HTTP front door only: a unix socket (0600) in a
// directory of its own (0700), so no other local user can reach it; the front door's calls also
// carry the FrontDoorTrust secret, without which forwarded credentials count for nothing.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerCredentials, type Server } from '@grpc/grpc-js';

export interface InternalSocket {
  path: string;
  remove(): void;
}

export async function bindInternalSocket(server: Server): Promise<InternalSocket> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-front-door-'));
  chmodSync(dir, 0o700);
  const path = join(dir, 'grpc.sock');
  try {
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    chmodSync(path, 0o600);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    path,
    /** After the server has shut down (which closes the socket). */
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
