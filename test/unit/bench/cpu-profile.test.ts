// bench/cpu-profile.ts: a profile's busy time by part of the apiserver (the innermost frame that
// belongs to a part takes the sample), start-up and idle left out, samples capped.
import { strict as assert } from 'node:assert';
import { MAX_SAMPLE_MS, summarize, type CpuProfile } from '../../../bench/cpu-profile';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });

/** root -> handler (registry) -> managedFieldsAfterUpdate -> encodeKube; root -> start-up; idle; GC. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 7, 8] },
    { id: 2, callFrame: frame('update', 'file:///app/services/apiserver/registry/registry.ts'), children: [3] },
    { id: 3, callFrame: frame('managedFieldsAfterUpdate', 'file:///app/lib/api/managed-fields/object-tracking.ts'), children: [4] },
    { id: 4, callFrame: frame('encodeKube', 'file:///app/lib/api/kube-json.ts') },
    { id: 5, callFrame: frame('Module._load', 'node:internal/modules/cjs/loader'), children: [6] },
    { id: 6, callFrame: frame('compile', 'file:///app/services/apiserver/main.ts') },
    { id: 7, callFrame: frame('(idle)') },
    { id: 8, callFrame: frame('(garbage collector)') },
  ],
  samples: [2, 3, 4, 4, 6, 7, 8, 4],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 500_000],
};

describe('bench: CPU profile summary', () => {
  it('charges each sample to the innermost part, leaves out start-up and idle, and caps a sample at MAX_SAMPLE_MS', () => {
    const s = summarize(profile);
    assert.equal(s.startupMs, 1);
    assert.equal(s.idleMs, 1);
    assert.equal(s.busyMs, 6 + MAX_SAMPLE_MS - 1);
    assert.deepEqual(Object.fromEntries(s.parts), {
      registry: 1,
      'managed fields': 1,
      'Kubernetes JSON (kube-json, proto-schema)': 2 + MAX_SAMPLE_MS,
      'garbage collector': 1,
    });
    assert.equal(s.self.get('encodeKube lib/api/kube-json.ts:1'), 2 + MAX_SAMPLE_MS);
  });
});
