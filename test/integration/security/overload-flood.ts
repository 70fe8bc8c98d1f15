// The flood of overload.test.ts, in a process of its own so that sending 2000 requests and
// receiving their answers does not slow the test's own probes: one user (a bearer token) lists
// the pods of a namespace N times at once over C connections, without decoding the answers.
// Prints "first" when the first answer (or refusal) arrives, then one JSON line of outcomes.
// Usage: overload-flood.ts ADDRESS CA_FILE TOKEN NAMESPACE N C
import { readFileSync } from 'node:fs';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { ListPodsRequest, PodServiceService } from '../../../lib/gen/kite/core/v1/services';

export interface FloodResult {
  answered: number;
  /** RESOURCE_EXHAUSTED refusals, by message, with their retry-after trailer. */
  refused: number;
  refusalMessages: string[];
  retryAfter: string[];
  /** Anything else: "CODE message". */
  other: string[];
}

async function main(): Promise<void> {
  const [address, caFile, token, namespace, n, c] = process.argv.slice(2);
  const ca = readFileSync(caFile);
  const clients = Array.from({ length: Number(c) }, () => new Clientset({ address, tls: true, ca, token, namespace, source: 'flood' }, { retry: NO_RETRY }));
  await Promise.all(clients.map((x) => x.waitForReady(30_000)));
  const m = PodServiceService.listPods;
  const result: FloodResult = { answered: 0, refused: 0, refusalMessages: [], retryAfter: [], other: [] };
  let first = true;
  const one = (client: Clientset) =>
    new Promise<void>((resolve) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${token}`);
      client.grpc.makeUnaryRequest(m.path, m.requestSerialize, (b: Buffer) => b, ListPodsRequest.fromPartial({ namespace }), md, { deadline: Date.now() + 60_000 }, (err: ServiceError | null) => {
        if (first) process.stdout.write('first\n');
        first = false;
        if (!err) result.answered++;
        else if (err.code === 8) {
          result.refused++;
          if (!result.refusalMessages.includes(err.details)) result.refusalMessages.push(err.details);
          const ra = String(err.metadata?.get('retry-after')[0] ?? '');
          if (!result.retryAfter.includes(ra)) result.retryAfter.push(ra);
        } else result.other.push(`${err.code} ${err.details}`);
        resolve();
      });
    });
  await Promise.all(Array.from({ length: Number(n) }, (_, i) => one(clients[i % clients.length])));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  clients.forEach((x) => x.close());
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
