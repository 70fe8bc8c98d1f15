// kubectl describe's output machinery: lines indented two spaces per level and aligned by a
// tab writer over the whole output, plus the blocks every describer shares (labels,
// annotations, events).
import { LAST_APPLIED } from '../apply-merge';
import type { Event } from '../../../lib/gen/kite/core/v1/types';
import { since } from '../../../lib/printers/age';
import { DESCRIBE_OPTIONS, tabulate } from '../../../lib/util/tabwriter';

const MAX_ANNOTATION_LEN = 140;

export class DescribeWriter {
  private text = '';

  write(level: number, line: string): void {
    this.text += '  '.repeat(level) + line;
  }

  toString(): string {
    return tabulate(this.text, DESCRIBE_OPTIONS);
  }

  /** The lines as written, tabs and all (kubectl's PrefixWriter without a tab writer, as `rollout history --revision` prints). */
  untabulated(): string {
    return this.text;
  }
}

/** "Labels:  a=1\n         b=2" (continuation lines aligned by the tab writer). */
export function writeLabels(w: DescribeWriter, title: string, labels: Record<string, string> | undefined, indent = ''): void {
  w.write(0, `${indent}${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (!keys.length) {
    w.write(0, '<none>\n');
    return;
  }
  keys.forEach((k, i) => w.write(0, `${i ? `${indent}\t` : ''}${k}=${labels![k]}\n`));
}

export function writeAnnotations(w: DescribeWriter, annotations: Record<string, string> | undefined, indent = ''): void {
  w.write(0, `${indent}Annotations:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((k) => k !== LAST_APPLIED)
    .sort();
  if (!keys.length) {
    w.write(0, '<none>\n');
    return;
  }
  keys.forEach((k, i) => {
    let v = annotations![k].replace(/\n/g, ' ');
    if (v.length > MAX_ANNOTATION_LEN) v = `${v.slice(0, MAX_ANNOTATION_LEN)}...`;
    w.write(0, `${i ? `${indent}\t` : ''}${k}: ${v}\n`);
  });
}

/** The Events table at the end of most describe outputs. */
export function writeEvents(w: DescribeWriter, events: Event[] | undefined, now = Date.now()): void {
  if (events === undefined) return;
  if (!events.length) {
    w.write(0, 'Events:\t<none>\n');
    return;
  }
  const sorted = [...events].sort((a, b) => Date.parse(a.lastTimestamp || a.eventTime || '0') - Date.parse(b.lastTimestamp || b.eventTime || '0'));
  w.write(0, 'Events:\n');
  w.write(1, 'Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const interval =
      e.count > 1
        ? `${since(e.lastTimestamp, now)} (x${e.count} over ${since(e.firstTimestamp, now)})`
        : since(e.firstTimestamp || e.eventTime || e.lastTimestamp, now);
    const source = e.source?.component || e.reportingComponent;
    w.write(1, `${e.type}\t${e.reason}\t${interval}\t${source}\t${e.message.trim().replace(/[\t\n]/g, ' ')}\n`);
  }
}

/** "ReplicaSet/nginx-abc" for the controlling owner, if any. */
export function controlledBy(meta: { ownerReferences: { kind: string; name: string; controller?: boolean | undefined }[] } | undefined): string | undefined {
  const ref = meta?.ownerReferences.find((r) => r.controller);
  return ref ? `${ref.kind}/${ref.name}` : undefined;
}
