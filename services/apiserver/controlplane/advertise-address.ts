// The address an apiserver publishes in the `kubernetes` Service's Endpoints, as kube-apiserver's
// --advertise-address defaults (utilnet.ResolveBindAddress / ChooseHostInterface): the bind
// address unless it is unspecified (0.0.0.0), else an IPv4 address of the interface holding the
// default route (a node's own bridges, such as docker0, come later), else the first non-loopback
// IPv4 address.
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface HostNetwork {
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** The contents of /proc/net/route ('' when unreadable). */
  routes: string;
}

function readRoutes(): string {
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return '';
  }
}

/** The interface of the IPv4 default route in /proc/net/route (destination and mask 0), if any. */
export function defaultRouteInterface(routes: string): string | undefined {
  for (const line of routes.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === '00000000' && mask === '00000000') return iface;
  }
  return undefined;
}

export function defaultAdvertiseAddress(bindAddress: string, host: HostNetwork = { interfaces: networkInterfaces(), routes: readRoutes() }): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return bindAddress;
  const ipv4 = (addrs: NetworkInterfaceInfo[] | undefined) => addrs?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const viaDefaultRoute = ipv4(host.interfaces[defaultRouteInterface(host.routes) ?? '']);
  if (viaDefaultRoute) return viaDefaultRoute;
  for (const addrs of Object.values(host.interfaces)) {
    const found = ipv4(addrs);
    if (found) return found;
  }
  throw new Error('unable to find a suitable network address: no non-loopback IPv4 address on this host; pass --advertise-address');
}
