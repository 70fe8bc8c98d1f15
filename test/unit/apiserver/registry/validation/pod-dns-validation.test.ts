// Validation and defaulting of a pod's DNS fields with Kubernetes' field paths and messages:
// dnsPolicy (ClusterFirst by default), dnsConfig (validatePodDNSConfig), hostAliases
// (ValidateHostAliases), hostname and subdomain.
import assert from 'node:assert/strict';
import { Pod, type PodSpec } from '../../../../../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { validatePod } from '../../../../../services/apiserver/registry/validation/validation';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function stored(spec: DeepPartial<PodSpec> = {}): Pod {
  const pod = Pod.fromPartial({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'nginx:1.22' }], ...spec } });
  defaultPod(pod, DEFAULT_DEFAULTING);
  return pod;
}

/** The pod as stored: defaulted, then validated; returns "field: message" lines. */
function causes(spec: DeepPartial<PodSpec> = {}): string[] {
  return validatePod(stored(spec)).map((c) => `${c.field}: ${c.message}`);
}

const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

describe('apiserver admission: pod DNS fields', () => {
  it('defaults dnsPolicy to ClusterFirst and accepts every policy with valid fields', () => {
    assert.equal(stored().spec!.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(causes(), []);
    assert.deepEqual(causes({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }), []);
    assert.deepEqual(causes({ dnsPolicy: 'Default' }), []);
    assert.deepEqual(
      causes({
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['1.2.3.4', 'fd00::53'], searches: ['ns1.svc.cluster.local', 'my.dns.search.suffix.'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
        hostname: 'db-0',
        subdomain: 'db',
        setHostnameAsFQDN: true,
        hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }],
      }),
      [],
    );
  });

  it('refuses an unknown dnsPolicy', () => {
    assert.deepEqual(causes({ dnsPolicy: 'Cluster' }), ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']);
  });

  it('requires dnsConfig with a nameserver for dnsPolicy None', () => {
    assert.deepEqual(causes({ dnsPolicy: 'None' }), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']);
    assert.deepEqual(causes({ dnsPolicy: 'None', dnsConfig: { searches: ['a.example'] } }), ['spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None']);
  });

  it('limits dnsConfig: 3 IP nameservers, 32 subdomain search paths in 2048 characters, named options', () => {
    assert.deepEqual(causes({ dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] } }), [
      'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"}: must not have more than 3 nameservers',
    ]);
    assert.deepEqual(causes({ dnsConfig: { nameservers: ['dns.example'] } }), [`spec.dnsConfig.nameservers[0]: Invalid value: "dns.example": ${INVALID_IP}`]);
    const many = Array.from({ length: 33 }, (_, i) => `d${i}`);
    assert.deepEqual(causes({ dnsConfig: { searches: many } }), [`spec.dnsConfig.searches: Invalid value: []string{${many.map((s) => `"${s}"`).join(', ')}}: must not have more than 32 search paths`]);
    const wide = Array.from({ length: 9 }, (_, i) => `${i}${'x'.repeat(230)}`);
    assert.deepEqual(causes({ dnsConfig: { searches: wide } }), [
      `spec.dnsConfig.searches: Invalid value: []string{${wide.map((s) => `"${s}"`).join(', ')}}: must not have more than 2048 characters (including spaces) in the search list`,
    ]);
    assert.match(causes({ dnsConfig: { searches: ['Bad_Domain'] } })[0], /^spec\.dnsConfig\.searches\[0\]: Invalid value: "Bad_Domain": a lowercase RFC 1123 subdomain/);
    assert.deepEqual(causes({ dnsConfig: { options: [{ value: '2' }] } }), ['spec.dnsConfig.options[0]: Required value: Option.Name must not be empty']);
  });

  it('validates hostAliases: an IP and subdomain hostnames', () => {
    assert.deepEqual(causes({ hostAliases: [{ ip: '999.1.1.1', hostnames: ['ok.local'] }] }), [`spec.hostAliases[0].ip: Invalid value: "999.1.1.1": ${INVALID_IP}`]);
    assert.match(causes({ hostAliases: [{ ip: '10.0.0.1', hostnames: ['ok', 'Not_OK'] }] })[0], /^spec\.hostAliases\[0\]\.hostnames\[1\]: Invalid value: "Not_OK": a lowercase RFC 1123 subdomain/);
  });

  it('validates hostname and subdomain as DNS labels', () => {
    assert.match(causes({ hostname: 'db.0' })[0], /^spec\.hostname: Invalid value: "db\.0": a lowercase RFC 1123 label/);
    assert.deepEqual(causes({ subdomain: 'x'.repeat(64) }), [`spec.subdomain: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`]);
  });
});
