// An object's stored bytes with its resourceVersion put in (replies and watch events made from
// the bytes the registry stored, not encoded again): they decode to the object itself.
import { strict as assert } from 'node:assert';
import { Deployments, Pods } from '../../../../lib/api/kinds';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { rememberStored, storedEncoding, watchEventBytes, withResourceVersion } from '../../../../services/apiserver/registry/stored-encoding';
import { deployment } from '../../controller-manager/support/fixtures';

function pod(name: string, annotation = ''): Pod {
  return Pod.fromPartial({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, namespace: 'default', uid: 'u-1', labels: { app: 'web' }, annotations: annotation ? { note: annotation } : {} },
    spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'node-1' },
    status: { phase: 'Pending' },
  });
}

const stored = (p: Pod) => Pod.encode({ ...p, metadata: { ...p.metadata!, resourceVersion: '' } }).finish();

describe('stored encoding (replies and watch events from the stored bytes)', () => {
  it('puts the resourceVersion into the stored bytes: they decode to the object at that resourceVersion', () => {
    // A long annotation makes metadata's length take two varint bytes, and grow to three with the resourceVersion.
    for (const p of [pod('a'), pod('b', 'x'.repeat(200)), pod('c', 'y'.repeat(16_300))]) {
      for (const rv of ['1', '123456789012', '']) {
        const bytes = withResourceVersion(Pods, stored(p), rv);
        assert.ok(bytes);
        assert.deepEqual(Pod.decode(bytes), { ...p, metadata: { ...p.metadata!, resourceVersion: rv } });
      }
    }
  });

  it('finds metadata wherever it is among the fields (other kinds, fields before it)', () => {
    const d = deployment('web');
    const bytes = Deployments.type.encode({ ...d, metadata: { ...d.metadata!, resourceVersion: '' } }).finish();
    // kind and apiVersion first, then the rest: the decoder takes fields in any order.
    const kindFirst = Buffer.concat([Buffer.from(Deployments.type.encode({ ...Deployments.type.fromPartial({}), kind: 'Deployment' }).finish()), bytes]);
    assert.deepEqual(Deployments.type.decode(withResourceVersion(Deployments, kindFirst, '42')!), { ...d, metadata: { ...d.metadata!, resourceVersion: '42' } });
  });

  it('encodes a reply from the remembered bytes only for an object of the kind that has them', () => {
    const p = pod('a');
    assert.equal(storedEncoding(Pods, p), undefined);
    rememberStored(p, stored(p));
    p.metadata!.resourceVersion = '7';
    assert.deepEqual(Pod.decode(storedEncoding(Pods, p)!), p);
    assert.equal(storedEncoding(Deployments, p), undefined, 'a Pod is no Deployment');
  });

  it('makes a watch event that decodes as the generated encoder\'s', () => {
    const p = { ...pod('a'), metadata: { ...pod('a').metadata!, resourceVersion: '9' } };
    for (const type of ['ADDED', 'MODIFIED', 'DELETED']) {
      const bytes = watchEventBytes(type, withResourceVersion(Pods, stored(p), '9')!);
      assert.deepEqual(Pods.watchEvent.decode(bytes), Pods.watchEvent.decode(Pods.watchEvent.encode({ type, object: p }).finish()));
    }
  });
});
