// The PodSecurity configuration from kube-apiserver's admission configuration file: inline or
// in a file named by `path`, defaults validated as namespace labels are, none means privileged.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POD_SECURITY_CONFIGURATION, loadPodSecurityConfiguration } from '../../../../../services/apiserver/admission/pod-security';

describe('apiserver admission: PodSecurity configuration', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'kite-psa-config-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads the PodSecurity plugin\'s configuration inline', () => {
    const path = file(
      'inline.yaml',
      `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: baseline
      enforce-version: latest
      audit: restricted
      warn: restricted
      warn-version: v1.30
    exemptions:
      usernames: []
      runtimeClasses: []
      namespaces: [kube-system]
`,
    );
    assert.deepEqual(loadPodSecurityConfiguration(path), {
      defaults: {
        enforce: { level: 'baseline', version: 'latest' },
        audit: { level: 'restricted', version: 'latest' },
        warn: { level: 'restricted', version: 'v1.30' },
      },
      exemptions: { usernames: [], namespaces: ['kube-system'], runtimeClasses: [] },
    });
  });

  it('follows `path` relative to the admission configuration, and defaults to privileged without a PodSecurity entry', () => {
    file('psa.yaml', 'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: restricted\n');
    const viaPath = file('by-path.yaml', 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: psa.yaml\n');
    assert.deepEqual(loadPodSecurityConfiguration(viaPath).defaults.enforce, { level: 'restricted', version: 'latest' });
    const none = file('none.yaml', 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: []\n');
    assert.deepEqual(loadPodSecurityConfiguration(none), DEFAULT_POD_SECURITY_CONFIGURATION);
  });

  it('refuses invalid defaults and other kinds, as kube-apiserver refuses to start', () => {
    const bad = file('bad.yaml', 'kind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    kind: PodSecurityConfiguration\n    defaults:\n      enforce: strict\n');
    assert.throws(() => loadPodSecurityConfiguration(bad), /invalid PodSecurity configuration: defaults.enforce: Invalid value: "strict": must be one of privileged, baseline, restricted/);
    assert.throws(() => loadPodSecurityConfiguration(file('other.yaml', 'kind: Pod\n')), /expected AdmissionConfiguration/);
  });
});
