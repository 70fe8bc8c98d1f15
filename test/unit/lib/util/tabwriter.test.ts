import { strict as assert } from 'node:assert';
import { DESCRIBE_OPTIONS, TABLE_OPTIONS, TabWriter, tabulate } from '../../../../lib/util/tabwriter';

describe('tabwriter (Go text/tabwriter semantics)', () => {
  it('pads each column to its widest cell plus padding, with a minimum width', () => {
    const out = tabulate('NAME\tREADY\tAGE\nnginx-abc\t1/1\t5s\n', TABLE_OPTIONS);
    assert.equal(out, 'NAME        READY   AGE\nnginx-abc   1/1     5s\n');
  });

  it('uses the minimum width for narrow columns', () => {
    assert.equal(tabulate('a\tb\n', TABLE_OPTIONS), 'a     b\n');
  });

  it('aligns only consecutive lines that share a column (describe blocks)', () => {
    const out = tabulate('Name:\tx\nLabels:\tapp=a\n\tb=c\nContainers:\n  nginx:\n    Image:\tnginx\n', DESCRIBE_OPTIONS);
    assert.equal(out, 'Name:    x\nLabels:  app=a\n         b=c\nContainers:\n  nginx:\n    Image:  nginx\n');
  });

  it('does not pad the last cell of a line', () => {
    assert.equal(tabulate('a\tbb\nccc\td\n', DESCRIBE_OPTIONS), 'a    bb\nccc  d\n');
  });

  it('counts characters, not bytes', () => {
    assert.equal(tabulate('é\tx\nab\ty\n', DESCRIBE_OPTIONS), 'é   x\nab  y\n');
  });

  it('remembers widths across flushes so streamed rows stay aligned', () => {
    const w = new TabWriter(TABLE_OPTIONS);
    w.write('NAME\tSTATUS\nlong-pod-name\tRunning\n');
    assert.equal(w.flush(), 'NAME            STATUS\nlong-pod-name   Running\n');
    w.write('x\tPending\n');
    assert.equal(w.flush(), 'x               Pending\n');
  });
});
