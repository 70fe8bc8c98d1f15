// `kitectl get secrets` and `kitectl describe secret` as kubectl prints them (printSecret,
// describeSecret): TYPE and the number of data keys; describe shows each key's size, never a value.
import { strict as assert } from 'node:assert';
import { Secrets } from '../../../lib/api/kinds';
import { Secret } from '../../../lib/gen/kite/core/v1/types';
import { describeSecret } from '../../../services/kitectl/describers/secret';
import { TablePrinter } from '../../../services/kitectl/printers/table-printer';

const now = Date.parse('2024-01-01T00:10:00Z');
const created = '2024-01-01T00:05:00Z';
const lines = (s: string) => s.trimEnd().split('\n');
const cells = (line: string) => line.split(/ {2,}/);

describe('kitectl output for Secrets', () => {
  it('get: NAME, TYPE, DATA (keys of data), AGE; -o wide adds nothing', () => {
    const secrets = [
      Secret.fromPartial({ metadata: { name: 'empty', creationTimestamp: created }, type: 'Opaque' }),
      Secret.fromPartial({ metadata: { name: 'tls', creationTimestamp: created }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from('c'), 'tls.key': Buffer.from('k') } }),
      Secrets.type.fromJSON({ metadata: { name: 'from-json', creationTimestamp: created }, type: 'Opaque', data: { x: 'AAE=' } }),
    ];
    for (const wide of [false, true]) {
      const out = lines(new TablePrinter(Secrets, { now: () => now, wide }).print(secrets));
      assert.deepEqual(out.map(cells), [
        ['NAME', 'TYPE', 'DATA', 'AGE'],
        ['empty', 'Opaque', '0', '5m'],
        ['tls', 'kubernetes.io/tls', '2', '5m'],
        ['from-json', 'Opaque', '1', '5m'],
      ]);
    }
  });

  it('describe: the type, then each data key with its size in key order, never the values', () => {
    const s = Secret.fromPartial({
      metadata: { name: 'db', namespace: 'team', labels: { app: 'db' }, annotations: { note: 'x' } },
      type: 'kubernetes.io/service-account-token',
      data: { token: Buffer.from('eyJhbGciOi-very-secret'), 'ca.crt': Buffer.alloc(1234), empty: Buffer.alloc(0) },
    });
    const out = describeSecret(s);
    assert.deepEqual(lines(out), [
      'Name:         db',
      'Namespace:    team',
      'Labels:       app=db',
      'Annotations:  note: x',
      '',
      'Type:  kubernetes.io/service-account-token',
      '',
      'Data',
      '====',
      'ca.crt:  1234 bytes',
      'empty:   0 bytes',
      'token:   22 bytes',
    ]);
    assert.doesNotMatch(out, /very-secret/);
  });

  it('describe: an empty secret still shows the Data section', () => {
    assert.deepEqual(lines(describeSecret(Secret.fromPartial({ metadata: { name: 'e', namespace: 'd' }, type: 'Opaque' }))).slice(4), ['', 'Type:  Opaque', '', 'Data', '====']);
  });
});
