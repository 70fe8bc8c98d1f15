import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForbiddenError, NotFoundError } from '../../../../lib/api/errors';
import { ConfigMaps, Namespaces } from '../../../../lib/api/kinds';
import { ConfigMap } from '../../../../lib/gen/kite/core/v1/types';
import { createCA } from '../../../../lib/pki/certificates';
import {
  DESCRIPTION_ANNOTATION,
  ROOT_CA_DESCRIPTION,
  RootCACertPublisher,
  readRootCA,
} from '../../../../services/controller-manager/rootcacertpublisher/root-ca-cert-publisher';
import { preload, testContext, type TestContext } from '../support/context';
import { namespace } from '../support/fixtures';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const published = (ns: string, o: { data?: Record<string, string>; annotations?: Record<string, string> } = {}) =>
  ConfigMap.fromPartial({
    metadata: { name: 'kube-root-ca.crt', namespace: ns, uid: `uid-${ns}`, resourceVersion: '7', annotations: o.annotations ?? { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
    data: o.data ?? { 'ca.crt': CA },
  });

describe('RootCACertPublisher.reconcile', () => {
  let ctx: TestContext;
  let c: RootCACertPublisher;
  beforeEach(() => {
    ctx = testContext();
    c = new RootCACertPublisher(ctx, { rootCA: CA });
  });

  it('creates kube-root-ca.crt with ca.crt and Kubernetes\' description', async () => {
    preload(ctx, Namespaces, namespace('team'));
    await c.reconcile('team');
    assert.deepEqual(ctx.client.summary(), ['create configmaps team/kube-root-ca.crt']);
    const cm = ctx.client.calls[0].object as ConfigMap;
    assert.deepEqual(cm.data, { 'ca.crt': CA });
    assert.deepEqual(cm.metadata!.annotations, {
      'kubernetes.io/description':
        'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
    });
  });

  it('leaves an intact ConfigMap alone, other keys of its metadata included', async () => {
    preload(ctx, ConfigMaps, published('team', { annotations: { [DESCRIPTION_ANNOTATION]: 'mine', other: 'x' } }));
    await c.reconcile('team');
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('puts back edited data and a removed description, keeping other annotations', async () => {
    preload(ctx, ConfigMaps, published('a', { data: { 'ca.crt': 'forged', extra: 'x' } }), published('b', { annotations: { keep: 'me' } }));
    await c.reconcile('a');
    await c.reconcile('b');
    assert.deepEqual(ctx.client.summary(), ['update configmaps a/kube-root-ca.crt', 'update configmaps b/kube-root-ca.crt']);
    assert.deepEqual(ctx.client.calls[0].object.data, { 'ca.crt': CA });
    assert.equal(ctx.client.calls[0].object.metadata.resourceVersion, '7', 'an update of what was read');
    assert.deepEqual(ctx.client.calls[1].object.metadata.annotations, { keep: 'me', [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION });
  });

  it('does not retry a create refused because the namespace is gone or terminating', async () => {
    ctx.client.reactors.push((call) =>
      call.namespace === 'gone'
        ? new NotFoundError('namespaces "gone" not found')
        : new ForbiddenError('configmaps "kube-root-ca.crt" is forbidden: unable to create new content in namespace going because it is being terminated'),
    );
    await c.reconcile('gone');
    await c.reconcile('going');
    assert.deepEqual(ctx.client.summary(), ['create configmaps gone/kube-root-ca.crt', 'create configmaps going/kube-root-ca.crt']);
  });
});

describe('readRootCA (--root-ca-file)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-root-ca-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a PEM bundle and refuses a file without certificates', async () => {
    const ca = await createCA('kite-test-ca');
    writeFileSync(join(dir, 'ca.crt'), ca.cert);
    writeFileSync(join(dir, 'bad.crt'), 'not a certificate\n');
    assert.equal(readRootCA(join(dir, 'ca.crt')), ca.cert);
    assert.throws(() => readRootCA(join(dir, 'bad.crt')), /^Error: error parsing root-ca-file at .*bad\.crt: data does not contain any valid RSA or ECDSA certificates$/);
    assert.throws(() => readRootCA(join(dir, 'missing.crt')), /error parsing root-ca-file at .*missing\.crt: ENOENT/);
  });
});
