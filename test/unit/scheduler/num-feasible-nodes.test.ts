import { strict as assert } from 'node:assert';
import { numFeasibleNodesToFind } from '../../../services/scheduler/num-feasible-nodes';

describe('numFeasibleNodesToFind', () => {
  const cases: [number, number, number][] = [
    // [percentageOfNodesToScore, nodes, want]
    [0, 50, 50],
    [0, 99, 99],
    [0, 100, 100],
    [0, 500, 230],
    [0, 1000, 420],
    [0, 5000, 500],
    [0, 6000, 300],
    [0, 10000, 500],
    [10, 500, 100],
    [30, 1000, 300],
    [100, 5000, 5000],
    [50, 90, 90],
  ];
  for (const [pct, nodes, want] of cases) {
    it(`${pct}% of ${nodes} nodes -> ${want}`, () => assert.equal(numFeasibleNodesToFind(pct, nodes), want));
  }
});
