import { strict as assert } from 'node:assert';
import { formatYAML } from '../../../../services/kitectl/printers/object-output';
import { goDoubleQuoted, goKeyCompare } from '../../../../services/kitectl/printers/go-yaml-style';

// Expected texts are kubectl v1.32's `create configmap --dry-run=client -o yaml` for the same data.
describe('-o yaml as go-yaml writes it', () => {
  const cm = (data: Record<string, string>) => formatYAML({ apiVersion: 'v1', data, kind: 'ConfigMap' });
  const body = (text: string) => text.replace(/^apiVersion: v1\ndata:\n/, '').replace(/kind: ConfigMap\n$/, '');

  it('quotes like go-yaml: single quotes where plain text is not allowed, double for other types and non-printable text', () => {
    assert.equal(
      body(cm({ A: '1', B: ' two words ', E: '"quoted"', H: '', I: 'é', J: 'a: b', L: 'yes', M: '2024-01-01', N: 'x\ty', O: '#x', P: "it's", X: '-', Z: '*x', emoji: 'smile \u{1F600}' })),
      [
        '  A: "1"',
        "  B: ' two words '",
        `  E: '"quoted"'`,
        '  H: ""',
        '  I: é',
        "  J: 'a: b'",
        '  L: "yes"',
        '  M: "2024-01-01"',
        '  "N": "x\\ty"',
        "  O: '#x'",
        "  P: it's",
        "  X: '-'",
        "  Z: '*x'",
        '  emoji: "smile \\U0001F600"',
        '',
      ].join('\n'),
    );
  });

  it('writes multi-line text as literal blocks, or double-quoted when a line ends in a space', () => {
    assert.equal(body(cm({ K: 'line1\nline2\n', R: 'multi\nline', S: '  lead\nx', trail: 'a\nb ' })), '  K: |\n    line1\n    line2\n  R: |-\n    multi\n    line\n  S: |2-\n      lead\n    x\n  trail: "a\\nb "\n');
  });

  it('folds long scalars at the first space past column 80, two spaces deeper', () => {
    const lorem = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor';
    assert.equal(
      body(cm({ dq: `tab\there ${lorem}  incididunt`, long: `${lorem} incididunt ut labore et dolore magna aliqua.`, quoted: `#: ${lorem} incididunt ut labore` })),
      [
        '  dq: "tab\\there Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod',
        '    tempor  incididunt"',
        '  long: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor',
        '    incididunt ut labore et dolore magna aliqua.',
        "  quoted: '#: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod",
        "    tempor incididunt ut labore'",
        '',
      ].join('\n'),
    );
    assert.equal(
      formatYAML({ command: ['verylongwordverylongwordverylongwordverylongword verylongwordverylongwordverylongwordverylongword k: v', 'a b'] }),
      "command:\n- 'verylongwordverylongwordverylongwordverylongword verylongwordverylongwordverylongwordverylongword\n  k: v'\n- a b\n",
    );
  });

  it('orders keys as go-yaml: digit runs by value, non-letters before letters', () => {
    assert.deepEqual(['k10', 'k2', 'Ab', 'A_b', 'a', 'B'].sort(goKeyCompare), ['A_b', 'Ab', 'B', 'a', 'k2', 'k10']);
    assert.equal(body(cm({ k10: 'a', k2: 'b' })), '  k2: b\n  k10: a\n');
  });

  it('escapes double-quoted text with go-yaml\'s escapes', () => {
    assert.equal(goDoubleQuoted('a\u0000\u0007\u001b"\\\r\u0001'), '"a\\0\\a\\e\\"\\\\\\r\\x01"');
  });
});
