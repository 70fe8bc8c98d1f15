// `kitectl get cm` and `kitectl describe cm` as kubectl prints them: DATA counts the keys of data
// and binaryData; describe shows data values under a rule and only the sizes of binaryData.
import { strict as assert } from 'node:assert';
import { ConfigMaps } from '../../../lib/api/kinds';
import { ConfigMap, Event } from '../../../lib/gen/kite/core/v1/types';
import { describeConfigMap } from '../../../services/kitectl/describers/configmap';
import { TablePrinter } from '../../../services/kitectl/printers/table-printer';

const now = Date.parse('2024-01-01T00:10:00Z');
const created = '2024-01-01T00:05:00Z';
const lines = (s: string) => s.trimEnd().split('\n');
const cells = (line: string) => line.split(/ {2,}/);

describe('kitectl output for ConfigMaps', () => {
  it('get: NAME, DATA (keys of data and binaryData), AGE; -o wide adds nothing', () => {
    const cms = [
      ConfigMap.fromPartial({ metadata: { name: 'empty', creationTimestamp: created } }),
      ConfigMap.fromPartial({ metadata: { name: 'mixed', creationTimestamp: created }, data: { a: '1', b: '' }, binaryData: { c: Buffer.from([1]) } }),
      ConfigMaps.type.fromJSON({ metadata: { name: 'from-json', creationTimestamp: created }, binaryData: { x: 'AAE=' } }),
    ];
    for (const wide of [false, true]) {
      const out = lines(new TablePrinter(ConfigMaps, { now: () => now, wide }).print(cms));
      assert.deepEqual(out.map(cells), [
        ['NAME', 'DATA', 'AGE'],
        ['empty', '0', '5m'],
        ['mixed', '3', '5m'],
        ['from-json', '1', '5m'],
      ]);
    }
  });

  it('describe: data under a rule in key order, binaryData sizes, events', () => {
    const cm = ConfigMap.fromPartial({
      metadata: { name: 'app', namespace: 'team', labels: { app: 'web' }, annotations: { note: 'x' } },
      data: { 'z.conf': 'last', 'a.conf': 'line1\nline2' },
      binaryData: { 'logo.png': Buffer.alloc(1234), 'empty.bin': Buffer.alloc(0) },
    });
    const ev = Event.fromPartial({ type: 'Normal', reason: 'Seen', message: 'hello', count: 1, source: { component: 'test' }, firstTimestamp: created, lastTimestamp: created });
    assert.deepEqual(lines(describeConfigMap(cm, [ev], now)), [
      'Name:         app',
      'Namespace:    team',
      'Labels:       app=web',
      'Annotations:  note: x',
      '',
      'Data',
      '====',
      'a.conf:',
      '----',
      'line1',
      'line2',
      '',
      'z.conf:',
      '----',
      'last',
      '',
      '',
      'BinaryData',
      '====',
      'empty.bin: 0 bytes',
      'logo.png: 1234 bytes',
      '',
      'Events:',
      '  Type    Reason  Age   From  Message',
      '  ----    ------  ----  ----  -------',
      '  Normal  Seen    5m    test  hello',
    ]);
  });

  it('describe: an empty config map still shows both sections; no events when none were asked for', () => {
    const out = describeConfigMap(ConfigMap.fromPartial({ metadata: { name: 'e', namespace: 'd' } }), undefined, now);
    assert.deepEqual(lines(out).slice(4), ['', 'Data', '====', '', 'BinaryData', '====']);
  });
});
