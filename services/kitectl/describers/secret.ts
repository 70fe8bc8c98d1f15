// `describe secret`, as kubectl's describeSecret prints it: the type, then each data key with its
// size only, never its value. (kubectl shows a service-account-token Secret's `token` in clear;
// Kite prints its size like every other key.) kubectl prints no events for a Secret.
import type { Secret } from '../../../lib/gen/kite/core/v1/types';
import { DescribeWriter, writeAnnotations, writeLabels } from './describe-writer';

export function describeSecret(s: Secret): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${s.metadata?.name}\n`);
  w.write(0, `Namespace:\t${s.metadata?.namespace}\n`);
  writeLabels(w, 'Labels', s.metadata?.labels);
  writeAnnotations(w, s.metadata?.annotations);
  w.write(0, `\nType:\t${s.type}\n`);
  w.write(0, '\nData\n====\n');
  const data = s.data ?? {};
  for (const k of Object.keys(data).sort()) w.write(0, `${k}:\t${data[k].length} bytes\n`);
  return w.toString();
}
