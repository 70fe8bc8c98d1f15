// A port of Go's text/tabwriter (the variant kubectl uses, which can remember column widths
// across flushes), so tables and describe output line up exactly as kubectl's do: a cell is
// text terminated by a tab, and a column block is a run of consecutive lines that all have a
// cell in that column; the last cell of a line is not part of any column.

export interface TabWriterOptions {
  minWidth: number;
  padding: number;
  /** Columns never shrink across flushes (kubectl's RememberWidths, used by get -w). */
  rememberWidths?: boolean;
}

/** kubectl get's table settings (printers.GetNewTabWriter). */
export const TABLE_OPTIONS: TabWriterOptions = { minWidth: 6, padding: 3, rememberWidths: true };
/** kubectl describe's settings. */
export const DESCRIBE_OPTIONS: TabWriterOptions = { minWidth: 0, padding: 2 };

function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export class TabWriter {
  private buffer = '';
  private readonly remembered: number[] = [];

  constructor(private readonly opts: TabWriterOptions) {}

  write(text: string): void {
    this.buffer += text;
  }

  /** Formats everything written so far and returns it; a trailing partial line is kept as is. */
  flush(): string {
    const text = this.buffer;
    this.buffer = '';
    if (!text) return '';
    const endsWithNewline = text.endsWith('\n');
    const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
    const out: string[] = [];
    this.format(lines, 0, lines.length, [], out);
    return out.join('\n') + (endsWithNewline ? '\n' : '');
  }

  private format(lines: string[][], line0: number, line1: number, widths: number[], out: string[]): void {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i].length - 1) continue;
      this.writeLines(lines, start, i, widths, out);
      start = i;
      let w = this.opts.minWidth;
      for (; i < line1; i++) {
        if (column >= lines[i].length - 1) break;
        w = Math.max(w, width(lines[i][column]) + this.opts.padding);
      }
      if (this.opts.rememberWidths) {
        w = Math.max(w, this.remembered[column] ?? 0);
        this.remembered[column] = w;
      }
      this.format(lines, start, i, [...widths, w], out);
      start = i;
      i--;
    }
    this.writeLines(lines, start, line1, widths, out);
  }

  private writeLines(lines: string[][], from: number, to: number, widths: number[], out: string[]): void {
    for (let i = from; i < to; i++) {
      let s = '';
      lines[i].forEach((cell, j) => {
        s += cell;
        if (j < widths.length && j < lines[i].length - 1) s += ' '.repeat(Math.max(0, widths[j] - width(cell)));
      });
      out.push(s);
    }
  }
}

/** Formats text with tabs in one go. */
export function tabulate(text: string, opts: TabWriterOptions): string {
  const w = new TabWriter(opts);
  w.write(text);
  return w.flush();
}
