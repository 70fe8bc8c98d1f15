// `describe configmap`, as kubectl's describeConfigMap prints it: each data key with its value
// under a "----" rule and a blank line after it, each binaryData key with its size only, then the
// events.
import type { ConfigMap, Event } from '../../../lib/gen/kite/core/v1/types';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';

export function describeConfigMap(cm: ConfigMap, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${cm.metadata?.name}\n`);
  w.write(0, `Namespace:\t${cm.metadata?.namespace}\n`);
  writeLabels(w, 'Labels', cm.metadata?.labels);
  writeAnnotations(w, cm.metadata?.annotations);
  w.write(0, '\nData\n====\n');
  const data = cm.data ?? {};
  for (const k of Object.keys(data).sort()) w.write(0, `${k}:\n----\n${data[k]}\n\n`);
  w.write(0, '\nBinaryData\n====\n');
  const binary = cm.binaryData ?? {};
  for (const k of Object.keys(binary).sort()) w.write(0, `${k}: ${binary[k].length} bytes\n`);
  w.write(0, '\n');
  writeEvents(w, events, now);
  return w.toString();
}
