// The boundary to the kernel's routing table. Kite's routes carry their own protocol number,
// so the agent lists and removes only routes it made, never the node's other routes.
import { checkCommand } from '../exec';
import type { Route } from './desired-routes';

/** rtnetlink protocol number marking routes made by Kite (unassigned in /etc/iproute2/rt_protos). */
export const kiteRouteProtocol = '147';

export interface RouteExecutor {
  /** Routes made by Kite. */
  list(): Promise<Route[]>;
  /** Adds the route or changes its gateway. */
  replace(route: Route): Promise<void>;
  remove(route: Route): Promise<void>;
}

export interface IpRouteExecutorOptions {
  /** Network namespace to work in (ip -n); the current one when unset. */
  netns?: string;
}

export class IpRouteExecutor implements RouteExecutor {
  private readonly ip: string[];

  constructor(options: IpRouteExecutorOptions = {}) {
    this.ip = options.netns ? ['ip', '-n', options.netns] : ['ip'];
  }

  async list(): Promise<Route[]> {
    const out = await checkCommand([...this.ip, '-j', 'route', 'show', 'proto', kiteRouteProtocol]);
    const entries = JSON.parse(out || '[]') as Array<{ dst: string; gateway?: string }>;
    return entries.filter((e) => e.gateway).map((e) => ({ dst: e.dst, via: e.gateway as string }));
  }

  async replace(route: Route): Promise<void> {
    await checkCommand([...this.ip, 'route', 'replace', route.dst, 'via', route.via, 'proto', kiteRouteProtocol]);
  }

  async remove(route: Route): Promise<void> {
    await checkCommand([...this.ip, 'route', 'del', route.dst, 'via', route.via, 'proto', kiteRouteProtocol]);
  }
}
