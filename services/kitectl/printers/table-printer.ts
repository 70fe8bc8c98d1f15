// Human-readable tables for `get`: headers and rows per kind, the NAMESPACE column for -A,
// kind-qualified names when several kinds are printed, LABELS for --show-labels.
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import type { Event } from '../../../lib/gen/kite/core/v1/types';
import { formatLabels } from '../../../lib/printers/format';
import { columnsFor, events, nameCell } from '../../../lib/printers/table-columns';
import { TABLE_OPTIONS, TabWriter } from '../../../lib/util/tabwriter';

export interface TableOptions {
  wide?: boolean;
  noHeaders?: boolean;
  showLabels?: boolean;
  /** Adds the NAMESPACE column first (get -A). */
  withNamespace?: boolean;
  /** Prints names as "pod/x" (several kinds in one get). */
  withKind?: boolean;
  now?: () => number;
}

/** "deployment.apps", "pod": the name kubectl prefixes objects with. */
export function qualifiedKind(kind: KindInfo): string {
  return kind.group ? `${kind.kind.toLowerCase()}.${kind.group}` : kind.kind.toLowerCase();
}

export class TablePrinter {
  private readonly writer = new TabWriter(TABLE_OPTIONS);
  private headerDone = false;

  constructor(
    readonly kind: KindInfo,
    private readonly opts: TableOptions = {},
  ) {}

  headers(): string[] {
    const t = columnsFor(this.kind.kind);
    // Events print kubectl's event columns, without NAME; wide replaces them.
    const isEvent = t === events;
    const h = isEvent ? [] : ['NAME'];
    if (isEvent && this.opts.wide) h.push(...events.wideHeaders);
    else h.push(...t.headers, ...(this.opts.wide ? t.wideHeaders : []));
    if (this.opts.withNamespace) h.unshift('NAMESPACE');
    if (this.opts.showLabels) h.push('LABELS');
    return h;
  }

  cells(obj: KubeObject): string[] {
    const now = (this.opts.now ?? Date.now)();
    let cells: string[];
    if (this.kind.kind === 'Event') {
      cells = this.opts.wide ? events.wideCells(obj as Event, now) : events.cells(obj as Event, now);
    } else {
      const t = columnsFor(this.kind.kind);
      const name = nameCell(t, obj);
      cells = [this.opts.withKind ? `${qualifiedKind(this.kind)}/${name}` : name, ...t.cells(obj, now), ...(this.opts.wide ? t.wideCells(obj, now) : [])];
    }
    if (this.opts.withNamespace) cells.unshift(obj.metadata?.namespace ?? '');
    if (this.opts.showLabels) cells.push(formatLabels(obj.metadata?.labels));
    return cells;
  }

  /** The header (first call only, unless --no-headers) and one row per object, aligned. */
  print(objs: KubeObject[]): string {
    if (!this.headerDone && !this.opts.noHeaders) this.writer.write(`${this.headers().join('\t')}\n`);
    this.headerDone = true;
    // A tab or newline inside a cell (an event message, say) would break the alignment.
    for (const o of objs) this.writer.write(`${this.cells(o).map((c) => c.replace(/[\t\r\n]+/g, ' ')).join('\t')}\n`);
    return this.writer.flush();
  }
}
