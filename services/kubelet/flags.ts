// Parsers for the kubelet's own flag values, in Kubernetes' formats: key=value lists
// (--node-labels, --system-reserved), taints (key=value:Effect), --cluster-dns IP lists and
// --authorization-mode.
// Durations and integers use lib/util/flags.
import { isIP } from 'node:net';
import type { Taint } from '../../lib/gen/kite/core/v1/types';
import { KUBELET_AUTHORIZATION_MODES, type KubeletAuthorizationMode } from './config';

/** "a=1,b=2" -> {a: "1", b: "2"}; "node-role.kubernetes.io/worker=" keeps the empty value. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`invalid key=value "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** --cluster-dns "10.96.0.10,fd00::10" -> the IPs, each checked. */
export function parseClusterDNS(text: string): string[] {
  const ips = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const ip of ips) if (!isIP(ip)) throw new Error(`--cluster-dns: invalid IP address "${ip}"`);
  return ips;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** "key=value:NoSchedule,other:NoExecute" -> taints. */
export function parseTaints(text: string): Taint[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const colon = item.lastIndexOf(':');
      const effect = colon > 0 ? item.slice(colon + 1) : '';
      if (!EFFECTS.includes(effect)) throw new Error(`invalid taint "${item}": want key[=value]:${EFFECTS.join('|')}`);
      const [key, value = ''] = item.slice(0, colon).split('=');
      if (!key) throw new Error(`invalid taint "${item}": empty key`);
      return { key, value, effect, timeAdded: '' };
    });
}

/**
 * --authorization-mode, by default Webhook when callers have client certificates to be known by
 * (Kite has no TokenReview, so Webhook needs --tls-cert-file and --client-ca-file).
 */
export function parseAuthorizationMode(flag: string | undefined, clientCertificates: boolean): KubeletAuthorizationMode {
  const mode = flag ?? (clientCertificates ? 'Webhook' : 'AlwaysAllow');
  if (!(KUBELET_AUTHORIZATION_MODES as readonly string[]).includes(mode)) {
    throw new Error(`--authorization-mode: unknown mode "${mode}" (supported: ${KUBELET_AUTHORIZATION_MODES.join(', ')})`);
  }
  if (mode === 'Webhook' && !clientCertificates) {
    throw new Error('--authorization-mode Webhook needs --tls-cert-file, --tls-private-key-file and --client-ca-file: callers are authenticated by their client certificates');
  }
  return mode as KubeletAuthorizationMode;
}
