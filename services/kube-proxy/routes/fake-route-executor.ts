// An in-memory routing table for unit tests; records every change it is asked to make.
import type { Route } from './desired-routes';
import type { RouteExecutor } from './route-executor';

export class FakeRouteExecutor implements RouteExecutor {
  readonly routes = new Map<string, string>();
  readonly calls: string[] = [];
  private failures = 0;

  /** Makes the next `count` changes fail. */
  failNext(count = 1): void {
    this.failures += count;
  }

  async list(): Promise<Route[]> {
    return [...this.routes].map(([dst, via]) => ({ dst, via })).sort((a, b) => (a.dst < b.dst ? -1 : 1));
  }

  async replace(route: Route): Promise<void> {
    this.change(`replace ${route.dst} via ${route.via}`);
    this.routes.set(route.dst, route.via);
  }

  async remove(route: Route): Promise<void> {
    this.change(`remove ${route.dst} via ${route.via}`);
    this.routes.delete(route.dst);
  }

  private change(call: string): void {
    this.calls.push(call);
    if (this.failures > 0) {
      this.failures--;
      throw new Error(`injected failure: ${call}`);
    }
  }
}
