// A ControllerRevision's `data` (google.protobuf.Struct, Kubernetes' RawExtension) crosses
// Kubernetes' JSON as the JSON object it holds, both ways, whatever its keys.
import { strict as assert } from 'node:assert';
import { ControllerRevisions } from '../../../../lib/api/kinds';
import { decodeKube, encodeKube } from '../../../../lib/api/kube-json';
import { ControllerRevision } from '../../../../lib/gen/kite/apps/v1/types';

const data = { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } };

describe("Kubernetes' JSON of a RawExtension (ControllerRevision.data)", () => {
  it('writes the object as it is', () => {
    const rev = ControllerRevision.fromPartial({ metadata: { name: 'agent-1', namespace: 'default' }, data, revision: 1 });
    assert.deepEqual(encodeKube(ControllerRevisions, rev).data, data);
  });

  it('reads any keys under it, strictly validated or not', () => {
    const raw = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-1' }, data, revision: 2 };
    const { object, warnings } = decodeKube(ControllerRevisions, raw, 'Strict');
    assert.deepEqual(warnings, []);
    assert.deepEqual(object.data, data);
    assert.throws(() => decodeKube(ControllerRevisions, { ...raw, data: [1] }, 'Strict'), /data/);
  });
});
