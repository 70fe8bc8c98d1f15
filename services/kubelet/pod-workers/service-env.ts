// The service variables every container gets (Kubernetes' kubelet getServiceEnvVarMap and
// pkg/kubelet/envvars FromServices): for the default/kubernetes Service always, and for every
// Service of the pod's namespace when enableServiceLinks is unset or true, <NAME>_SERVICE_HOST,
// <NAME>_SERVICE_PORT (and _<PORT NAME> per named port) and the Docker link variables <NAME>_PORT,
// <NAME>_PORT_<port>_<PROTO> with _PROTO, _PORT and _ADDR. Services without a cluster IP (none or
// headless) give none.
import type { Service } from '../../../lib/gen/kite/core/v1/types';

/** The Services whose variables every pod gets, from the default namespace (Kubernetes' masterServices). */
const MASTER_SERVICES = new Set(['kubernetes']);

/** "my-svc" -> "MY_SVC". */
function envName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

function hasClusterIP(s: Service): boolean {
  const ip = s.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

/** net.JoinHostPort: IPv6 addresses in brackets. */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The variables of these Services, in Kubernetes' order (envvars.FromServices). */
export function envVarsFromServices(services: readonly Service[]): [string, string][] {
  const out: [string, string][] = [];
  for (const s of services) {
    const ports = s.spec?.ports ?? [];
    if (!hasClusterIP(s) || ports.length === 0) continue;
    const ip = s.spec!.clusterIP;
    const prefix = envName(s.metadata!.name);
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
    for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port)]);
    ports.forEach((p, i) => {
      const protocol = p.protocol || 'TCP';
      const url = `${protocol.toLowerCase()}://${hostPort(ip, p.port)}`;
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const portPrefix = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push([portPrefix, url], [`${portPrefix}_PROTO`, protocol.toLowerCase()], [`${portPrefix}_PORT`, String(p.port)], [`${portPrefix}_ADDR`, ip]);
    });
  }
  return out;
}

/**
 * The service variables of a pod in `namespace` (Kubernetes' getServiceEnvVarMap): the master
 * services of the default namespace always, the namespace's own Services when service links are
 * enabled; a Service of the namespace shadows a master service of the same name.
 */
export function serviceEnvVarMap(services: readonly Service[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const byName = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const { name, namespace: ns } = s.metadata!;
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, s);
    } else if (ns === namespace && enableServiceLinks) byName.set(name, s);
  }
  return new Map(envVarsFromServices([...byName.values()]));
}
