// kubectl top's tables: millicores and Mi, percentages of allocatable, <unknown> for nodes
// without metrics, kubectl's orders, --containers, --sum, and the padding every tab-ended cell gets.
import { strict as assert } from 'node:assert';
import { NodeMetrics, PodMetrics } from '../../../../lib/gen/kite/metrics/v1beta1/types';
import { printNodeMetrics, printPodMetrics } from '../../../../services/kitectl/printers/top-printer';

const nm = (name: string, cpu: string, memory: string) => NodeMetrics.fromPartial({ metadata: { name }, usage: { cpu, memory } });
const pm = (namespace: string, name: string, containers: [string, string, string][]) =>
  PodMetrics.fromPartial({ metadata: { name, namespace }, containers: containers.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })) });

describe('kitectl top printers', () => {
  it('prints nodes with their share of allocatable, then those without metrics', () => {
    const alloc = new Map([
      ['b', { cpu: '2', memory: '8Gi' }],
      ['a', { cpu: '4', memory: '16Gi' }],
      ['c', { cpu: '1', memory: '1Gi' }],
    ]);
    const out = printNodeMetrics([nm('b', '150m', '5Gi'), nm('a', '1250342117n', '3145728Ki')], alloc);
    assert.equal(
      out,
      [
        'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
        'a      1251m        31%         3072Mi          18%         ',
        'b      150m         7%          5120Mi          62%         ',
        'c      <unknown>    <unknown>   <unknown>       <unknown>   ',
        '',
      ].join('\n'),
    );
    assert.equal(printNodeMetrics([nm('b', '150m', '5Gi'), nm('a', '100m', '6Gi')], new Map(), { sortBy: 'cpu', noHeaders: true }), 'b     150m   5120Mi   \na     100m   6144Mi   \n');
    assert.equal(printNodeMetrics([], alloc), '');
  });

  it('prints pods summed over containers, per container, across namespaces, sorted and summed', () => {
    const pods = [pm('default', 'web', [['nginx', '12345678n', '10Mi'], ['side', '1m', '2097152']]), pm('apps', 'db', [['pg', '250m', '300Mi']])];
    assert.equal(printPodMetrics(pods), 'NAME   CPU(cores)   MEMORY(bytes)   \ndb     250m         300Mi           \nweb    14m          12Mi            \n');
    assert.equal(
      printPodMetrics(pods, { withNamespace: true, containers: true, sortBy: 'memory' }),
      [
        'NAMESPACE   POD   NAME    CPU(cores)   MEMORY(bytes)   ',
        'apps        db    pg      250m         300Mi           ',
        'default     web   nginx   13m          10Mi            ',
        'default     web   side    1m           2Mi             ',
        '',
      ].join('\n'),
    );
    assert.equal(
      printPodMetrics(pods, { sum: true, noHeaders: true }),
      ['db    250m       300Mi      ', 'web   14m        12Mi       ', '      ________   ________   ', '      264m       312Mi      ', ''].join('\n'),
    );
  });
});
