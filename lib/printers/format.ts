// Small formatters shared by tables and describe: label maps, selectors, ports, endpoints.
import type { Endpoints, ServicePort } from '../gen/kite/core/v1/types';
import type { LabelSelector } from '../gen/kite/meta/v1/meta';

/** "a=1,b=2" sorted by key, or "<none>". */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

/** A LabelSelector as kubectl prints it ("app=nginx,tier in (a,b)"). */
export function formatSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const parts = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}=${sel.matchLabels[k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...e.values].sort().join(',');
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
    }
  }
  return parts.length ? parts.join(',') : '<none>';
}

/** Service PORT(S): "80/TCP", "80:30080/TCP", joined by commas. */
export function formatServicePorts(ports: ServicePort[] | undefined): string {
  if (!ports?.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol || 'TCP'}`).join(',');
}

/** ENDPOINTS: up to three "ip:port" pairs, then "+ N more...". */
export function formatEndpoints(ep: Endpoints, max = 3): string {
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of ep.subsets ?? []) {
    if (!ss.ports.length) {
      count += ss.addresses.length;
      for (const a of ss.addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ss.ports) {
      count += ss.addresses.length;
      for (const a of ss.addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
      }
    }
  }
  if (!list.length) return '<none>';
  return more ? `${list.join(',')} + ${count - max} more...` : list.join(',');
}
