// The HTTP front door's forwarded credentials count only on a call carrying this process's secret.
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { createCA, issueClientCertificate } from '../../../../lib/pki/certificates';
import { userFromCertificate } from '../../../../lib/pki/client-identity';
import { FORWARDED_CERTIFICATE, FORWARDED_FOR, FRONT_DOOR_SECRET, FrontDoorTrust, peerCertificateOf } from '../../../../services/apiserver/auth/authn/front-door-trust';

describe('apiserver auth: front door trust', () => {
  let der: Buffer;
  before(async () => {
    const pair = await issueClientCertificate(await createCA('test-ca'), 'alice', ['devs', 'ops']);
    der = new X509Certificate(pair.cert).raw;
  });

  it('reads the forwarded certificate, address and user agent of its own calls', () => {
    const trust = new FrontDoorTrust();
    const got = trust.forwarded(trust.metadata({ certificate: der, peer: '10.0.0.7', userAgent: 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc' }));
    assert.ok(got);
    assert.equal(got.peer, '10.0.0.7');
    assert.equal(got.userAgent, 'kubectl/v1.32.4 (linux/amd64) kubernetes/abc');
    assert.deepEqual(userFromCertificate(got.certificate), { user: { name: 'alice', uid: '', groups: ['devs', 'ops'] } });
  });

  it('ignores the forwarding metadata without the secret, with another secret, or with two', () => {
    const trust = new FrontDoorTrust();
    const forged = new Metadata();
    forged.set(FORWARDED_CERTIFICATE, der);
    forged.set(FORWARDED_FOR, '10.0.0.7');
    assert.equal(trust.forwarded(forged), undefined);
    const otherProcess = new FrontDoorTrust().metadata({ certificate: der });
    assert.equal(trust.forwarded(otherProcess), undefined);
    const short = trust.metadata({ certificate: der });
    short.set(FRONT_DOOR_SECRET, Buffer.alloc(3));
    assert.equal(trust.forwarded(short), undefined);
    const two = trust.metadata({ certificate: der });
    two.add(FRONT_DOOR_SECRET, Buffer.alloc(32));
    assert.equal(trust.forwarded(two), undefined);
  });

  it('parses a forwarded certificate once, not on every call (the gate reads the forwarding twice per call)', async () => {
    const trust = new FrontDoorTrust();
    const first = trust.forwarded(trust.metadata({ certificate: der }))!.certificate;
    const again = trust.forwarded(trust.metadata({ certificate: Buffer.from(der) }))!.certificate;
    assert.equal(again, first, 'the same DER bytes give the parsed certificate already read');
    const bob = new X509Certificate((await issueClientCertificate(await createCA('test-ca'), 'bob', [])).cert).raw;
    assert.deepEqual(userFromCertificate(trust.forwarded(trust.metadata({ certificate: bob }))!.certificate), { user: { name: 'bob', uid: '', groups: [] } });
    assert.deepEqual(userFromCertificate(trust.forwarded(trust.metadata({ certificate: der }))!.certificate), { user: { name: 'alice', uid: '', groups: ['devs', 'ops'] } });
  });

  it('reads a certificate as TLS does: CN the user, each O a group, the extended key usage', () => {
    const cert = peerCertificateOf(der);
    assert.equal((cert.subject as unknown as Record<string, unknown>).CN, 'alice');
    assert.deepEqual((cert.subject as unknown as Record<string, unknown>).O, ['devs', 'ops']);
    assert.ok(cert.ext_key_usage?.includes('1.3.6.1.5.5.7.3.2'));
  });
});
