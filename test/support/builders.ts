// Minimal API objects for tests that create them through the API: what a user would write in a
// manifest, nothing the server fills in.
import { Deployment } from '../../lib/gen/kite/apps/v1/types';
import { Pod, Service } from '../../lib/gen/kite/core/v1/types';

export function pod(name: string, extra: { labels?: Record<string, string>; namespace?: string; finalizers?: string[]; spec?: Record<string, unknown> } = {}): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: extra.namespace ?? 'default', labels: extra.labels ?? {}, finalizers: extra.finalizers ?? [] },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22' }], ...extra.spec },
  });
}

export function deployment(name: string, labels: Record<string, string> = { app: name }): Deployment {
  return Deployment.fromPartial({
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } },
    },
  });
}

export function service(name: string, spec: Record<string, unknown> = {}): Service {
  return Service.fromPartial({
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
  });
}
