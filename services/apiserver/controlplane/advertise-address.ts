// The address an apiserver publishes in the `kubernetes` Service's Endpoints, as kube-apiserver's
// --advertise-address defaults: the bind address unless it is unspecified (0.0.0.0), else the
// host's first non-loopback IPv4 address.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export function defaultAdvertiseAddress(bindAddress: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return bindAddress;
  for (const addrs of Object.values(interfaces)) {
    const found = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  throw new Error('unable to find a suitable network address: no non-loopback IPv4 address on this host; pass --advertise-address');
}
