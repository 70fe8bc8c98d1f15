// GET /version: Kubernetes' version.Info (k8s.io/apimachinery/pkg/version), readable without
// authentication as the system:public-info-viewer ClusterRole allows.
//
// Kite claims Kubernetes 1.32: its API mirrors Kubernetes v1.32's kinds and wire shapes, and the
// kubectl it is tested with is v1.32, which warns ("version difference between client and
// server exceeds the supported minor version skew of +/-1") when the server is further away.
// Kite's own version is in gitVersion's build metadata, as k3s writes "v1.32.0+k3s1".
import { arch, platform } from 'node:process';
import { version as kiteVersion } from '../../../../package.json';
import { jsonResponse, type DocumentResponse } from './response';

export const KUBERNETES_MAJOR = '1';
export const KUBERNETES_MINOR = '32';

/** Go's GOARCH for Node's process.arch. */
function goArch(a: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[a] ?? a;
}

/** Kubernetes' version.Info for this apiserver. */
export function versionInfo() {
  return {
    major: KUBERNETES_MAJOR,
    minor: KUBERNETES_MINOR,
    gitVersion: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0+kite.${kiteVersion}`,
    gitCommit: '',
    gitTreeState: '',
    // Kubernetes' default when a build does not stamp its date.
    buildDate: '1970-01-01T00:00:00Z',
    // Kite runs on Node.js, not Go: these name the runtime that does.
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: `${platform}/${goArch(arch)}`,
  };
}

export function versionDocument(): DocumentResponse {
  return jsonResponse(versionInfo());
}
