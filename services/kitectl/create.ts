// `kitectl create -f`, `create namespace`, `create deployment`.
import { Deployments, Namespaces, type KindInfo, type KubeObject } from '../../lib/api/kinds';
import { Deployment } from '../../lib/gen/kite/apps/v1/types';
import { Namespace } from '../../lib/gen/kite/core/v1/types';
import type { Cli } from './cli-context';
import { CliError, ReportedError, formatError } from './cli-errors';
import { readManifests } from './manifest-files';
import { targetNamespaces } from './object-target';
import { qualifiedKind } from './printers/table-printer';

export async function createFromFiles(cli: Cli, filenames: string[], recursive: boolean): Promise<void> {
  const manifests = await readManifests(filenames, recursive, cli.io, 'create');
  const namespaces = await targetNamespaces(cli, manifests);
  const cs = await cli.clientset();
  let failed = false;
  for (let i = 0; i < manifests.length; i++) {
    const m = manifests[i];
    try {
      const created = await cs.resource(m.kind).create(m.object, { namespace: namespaces[i] });
      cli.io.out(`${qualifiedKind(m.kind)}/${created.metadata?.name} created\n`);
    } catch (e) {
      failed = true;
      cli.io.err(`${formatError(e, `error when creating "${m.source}": `)}\n`);
    }
  }
  if (failed) throw new ReportedError();
}

async function createOne(cli: Cli, kind: KindInfo, obj: KubeObject): Promise<void> {
  const cs = await cli.clientset();
  const created = await cs.resource(kind).create(obj, { namespace: kind.namespaced ? await cli.namespace() : undefined });
  cli.io.out(`${qualifiedKind(kind)}/${created.metadata?.name} created\n`);
}

export async function createNamespace(cli: Cli, name: string): Promise<void> {
  await createOne(cli, Namespaces, Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}

/** kubectl names the container after the image: last path element, without tag or digest. */
export function containerNameForImage(image: string): string {
  const last = image.split('/').pop() ?? image;
  const name = last.split('@')[0].split(':')[0].toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return name || 'container';
}

export interface CreateDeploymentOptions {
  image: string[];
  replicas?: string;
  port?: string;
}

export async function createDeployment(cli: Cli, name: string, opts: CreateDeploymentOptions): Promise<void> {
  if (!opts.image?.length) throw new CliError('required flag(s) "image" not set');
  const replicas = opts.replicas === undefined ? 1 : Number(opts.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) throw new CliError(`invalid argument "${opts.replicas}" for "--replicas" flag`);
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new CliError(`invalid argument "${opts.port}" for "--port" flag`);
  if (port !== undefined && opts.image.length > 1) throw new CliError('cannot use --port with multiple images');
  const labels = { app: name };
  const d = Deployment.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: opts.image.map((image) => ({
            name: containerNameForImage(image),
            image,
            ports: port === undefined ? [] : [{ containerPort: port }],
          })),
        },
      },
    },
  });
  await createOne(cli, Deployments, d);
}
