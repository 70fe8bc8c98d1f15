// `kitectl create -f` and the generators `create namespace|deployment|configmap|secret|
// serviceaccount`, as kubectl's pkg/cmd/create: each generator builds the object kubectl would
// (Kubernetes JSON), then --dry-run=client prints it unsent, while none and server send it
// (server with dryRun=All) and print what the apiserver returned; -o json|yaml|name|jsonpath.
import { ConfigMaps, Deployments, Namespaces, Secrets, ServiceAccounts, type KindInfo } from '../../lib/api/kinds';
import type { Cli } from './cli-context';
import { CliError, ReportedError, formatError } from './cli-errors';
import {
  buildConfigMap,
  buildDockerRegistrySecret,
  buildGenericSecret,
  buildServiceAccount,
  buildTLSSecret,
  newMeta,
  type ConfigMapOptions,
  type DockerRegistrySecretOptions,
  type GenericSecretOptions,
  type KubeJSON,
  type TLSSecretOptions,
} from './create-config';
import { readManifests } from './manifest-files';
import { targetNamespaces } from './object-target';
import { formatObjects, parseOutput, type OutputFormat } from './output-format';
import { LAST_APPLIED } from './apply-merge';
import { formatJSON, formatYAML, goJSON } from './printers/object-output';
import { jsonPath } from './printers/jsonpath';
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

export type DryRun = 'none' | 'client' | 'server';

/** The flags every generator shares. */
export interface GeneratorFlags {
  dryRun?: string;
  output?: string;
  /** --save-config: record the object in the last-applied annotation, for a later apply. */
  saveConfig?: boolean;
}

/** kubectl's GetDryRunStrategy. */
export function parseDryRun(value: string | undefined): DryRun {
  if (value === undefined || value === 'none') return 'none';
  if (value === 'client' || value === 'server') return value;
  throw new CliError(`Invalid dry-run value (${value}). Must be "none", "server", or "client".`);
}

export type MachineFormat = Exclude<OutputFormat, { type: 'table' }>;

/** -o of a generator: none (the "created" line) or a machine format; no tables. */
export function parseGeneratorOutput(value: string | undefined): MachineFormat | undefined {
  if (!value) return undefined;
  const fmt = value === 'wide' ? undefined : parseOutput(value);
  if (!fmt || fmt.type === 'table') {
    throw new CliError(`unable to match a printer suitable for the output format "${value}", allowed formats are: json,jsonpath,name,yaml`);
  }
  return fmt;
}

/** The object kubectl would send, printed unsent (--dry-run=client), in Go's field order. */
export function formatUnsent(fmt: MachineFormat, kind: KindInfo, obj: KubeJSON): string {
  const name = (obj.metadata as { name: string }).name;
  if (fmt.type === 'name') return `${qualifiedKind(kind)}/${name}\n`;
  if (fmt.type === 'json') return formatJSON(obj);
  if (fmt.type === 'jsonpath') return jsonPath(fmt.template, obj);
  return formatYAML(obj);
}

export interface Generator {
  kind: KindInfo;
  /** Builds the object; `namespace` is set only when -n was given (kubectl's EnforceNamespace). */
  build(namespace: string | undefined): KubeJSON;
  /** kubectl's wrapping of the server's error ("failed to create configmap: "), if it wraps it. */
  errorPrefix?: string;
}

/**
 * Runs one generator: flags checked before anything is built (as kubectl's Complete does),
 * the object built, then printed unsent or created and printed as the server returned it.
 */
export async function runGenerator(cli: Cli, gen: Generator, flags: GeneratorFlags): Promise<void> {
  const dryRun = parseDryRun(flags.dryRun);
  const fmt = parseGeneratorOutput(flags.output);
  const obj = gen.build(cli.namespaceGiven ? cli.global.namespace : undefined);
  if (flags.saveConfig) {
    // kubectl's CreateOrUpdateAnnotation: the object's compact JSON, as built, before the annotation.
    const meta = obj.metadata as KubeJSON;
    const applied = `${goJSON(obj)}\n`;
    meta.annotations = { ...(meta.annotations as Record<string, string> | undefined), [LAST_APPLIED]: applied };
  }
  if (dryRun === 'client') {
    cli.io.out(fmt ? formatUnsent(fmt, gen.kind, obj) : `${qualifiedKind(gen.kind)}/${(obj.metadata as { name: string }).name} created (dry run)\n`);
    return;
  }
  let created;
  try {
    const cs = await cli.clientset();
    const namespace = gen.kind.namespaced ? await cli.namespace() : undefined;
    created = await cs.resource(gen.kind).create(gen.kind.type.fromJSON(obj), { namespace, dryRun: dryRun === 'server' });
  } catch (e) {
    if (gen.errorPrefix === undefined) throw e;
    throw new CliError(`${gen.errorPrefix}${e instanceof Error ? e.message : String(e)}`);
  }
  if (fmt) cli.io.out(formatObjects(fmt, [{ kind: gen.kind, obj: created }], true));
  else cli.io.out(`${qualifiedKind(gen.kind)}/${created.metadata?.name} created${dryRun === 'server' ? ' (server dry run)' : ''}\n`);
}

export async function createNamespace(cli: Cli, name: string, flags: GeneratorFlags = {}): Promise<void> {
  await runGenerator(cli, { kind: Namespaces, build: () => ({ kind: 'Namespace', apiVersion: 'v1', metadata: newMeta(name, undefined), spec: {}, status: {} }) }, flags);
}

export async function createConfigMap(cli: Cli, name: string, opts: ConfigMapOptions, flags: GeneratorFlags = {}): Promise<void> {
  await runGenerator(cli, { kind: ConfigMaps, build: (ns) => buildConfigMap(name, ns, opts), errorPrefix: 'failed to create configmap: ' }, flags);
}

export async function createGenericSecret(cli: Cli, name: string, opts: GenericSecretOptions, flags: GeneratorFlags = {}): Promise<void> {
  await runGenerator(cli, { kind: Secrets, build: (ns) => buildGenericSecret(name, ns, opts), errorPrefix: 'failed to create secret ' }, flags);
}

export async function createTLSSecret(cli: Cli, name: string, opts: TLSSecretOptions, flags: GeneratorFlags = {}): Promise<void> {
  await runGenerator(cli, { kind: Secrets, build: (ns) => buildTLSSecret(name, ns, opts), errorPrefix: 'failed to create secret ' }, flags);
}

export async function createDockerRegistrySecret(cli: Cli, name: string, opts: DockerRegistrySecretOptions, flags: GeneratorFlags = {}): Promise<void> {
  await runGenerator(cli, { kind: Secrets, build: (ns) => buildDockerRegistrySecret(name, ns, opts), errorPrefix: 'failed to create secret ' }, flags);
}

export async function createServiceAccount(cli: Cli, name: string, flags: GeneratorFlags = {}): Promise<void> {
  await runGenerator(cli, { kind: ServiceAccounts, build: (ns) => buildServiceAccount(name, ns), errorPrefix: 'failed to create serviceaccount: ' }, flags);
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

export async function createDeployment(cli: Cli, name: string, opts: CreateDeploymentOptions, flags: GeneratorFlags = {}): Promise<void> {
  if (!opts.image?.length) throw new CliError('required flag(s) "image" not set');
  const replicas = opts.replicas === undefined ? 1 : Number(opts.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) throw new CliError(`invalid argument "${opts.replicas}" for "--replicas" flag`);
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new CliError(`invalid argument "${opts.port}" for "--port" flag`);
  if (port !== undefined && opts.image.length > 1) throw new CliError('cannot use --port with multiple images');
  const labels = { app: name };
  const build = (namespace: string | undefined): KubeJSON => ({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { ...newMeta(name, namespace), labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { creationTimestamp: null, labels },
        spec: {
          containers: opts.image.map((image) => ({
            name: containerNameForImage(image),
            image,
            ...(port === undefined ? {} : { ports: [{ containerPort: port }] }),
            resources: {},
          })),
        },
      },
      strategy: {},
    },
    status: {},
  });
  await runGenerator(cli, { kind: Deployments, build }, flags);
}
