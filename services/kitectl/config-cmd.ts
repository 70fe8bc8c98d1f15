// `kitectl config view|current-context|use-context|get-contexts|set-context`, on the same file
// the connection settings come from (--kubeconfig, $KITECONFIG, ~/.kite/config).
import { existsSync } from 'node:fs';
import { defaultConfigPath, readConfigFile, writeConfigFile, type KubeConfigFile } from '../../lib/client/kubeconfig';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { formatYAML } from './printers/object-output';
import { TABLE_OPTIONS, tabulate } from '../../lib/util/tabwriter';

function configPath(cli: Cli): string {
  return cli.global.kubeconfig || defaultConfigPath();
}

function load(cli: Cli): KubeConfigFile {
  const path = configPath(cli);
  if (!existsSync(path)) {
    if (cli.global.kubeconfig) throw new CliError(`config file ${path} does not exist`);
    return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], 'current-context': '' };
  }
  try {
    return readConfigFile(path);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** Secrets are shown as kubectl does unless --raw: DATA+OMITTED / REDACTED. */
export function redact(cfg: KubeConfigFile): KubeConfigFile {
  const copy = structuredClone(cfg);
  for (const c of copy.clusters) if (c.cluster['certificate-authority-data']) c.cluster['certificate-authority-data'] = 'DATA+OMITTED';
  for (const u of copy.users) {
    if (u.user['client-certificate-data']) u.user['client-certificate-data'] = 'DATA+OMITTED';
    if (u.user['client-key-data']) u.user['client-key-data'] = 'DATA+OMITTED';
    if (u.user.token) u.user.token = 'REDACTED';
  }
  return copy;
}

export function configView(cli: Cli, opts: { raw?: boolean; minify?: boolean; output?: string }): void {
  let cfg = load(cli);
  if (opts.minify) {
    const ctx = cfg.contexts.find((c) => c.name === cfg['current-context']);
    if (!ctx) throw new CliError('current-context must exist in order to minify');
    cfg = {
      ...cfg,
      contexts: [ctx],
      clusters: cfg.clusters.filter((c) => c.name === ctx.context.cluster),
      users: cfg.users.filter((u) => u.name === ctx.context.user),
    };
  }
  const shown = opts.raw ? cfg : redact(cfg);
  cli.io.out(opts.output === 'json' ? `${JSON.stringify(shown, null, 4)}\n` : formatYAML({ preferences: {}, ...shown }));
}

export function currentContext(cli: Cli): void {
  const cfg = load(cli);
  if (!cfg['current-context']) throw new CliError('current-context is not set');
  cli.io.out(`${cfg['current-context']}\n`);
}

export function useContext(cli: Cli, name: string): void {
  const cfg = load(cli);
  if (!cfg.contexts.some((c) => c.name === name)) throw new CliError(`no context exists with the name: "${name}"`);
  cfg['current-context'] = name;
  writeConfigFile(configPath(cli), cfg);
  cli.io.out(`Switched to context "${name}".\n`);
}

export function getContexts(cli: Cli, names: string[], opts: { noHeaders?: boolean; output?: string }): void {
  const cfg = load(cli);
  const contexts = names.length ? cfg.contexts.filter((c) => names.includes(c.name)) : cfg.contexts;
  const missing = names.filter((n) => !cfg.contexts.some((c) => c.name === n));
  if (missing.length) throw new CliError(`context ${missing.map((m) => `"${m}"`).join(', ')} not found`);
  if (opts.output === 'name') {
    cli.io.out(contexts.map((c) => `${c.name}\n`).join(''));
    return;
  }
  let text = opts.noHeaders ? '' : 'CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n';
  for (const c of contexts) {
    text += `${c.name === cfg['current-context'] ? '*' : ''}\t${c.name}\t${c.context.cluster}\t${c.context.user}\t${c.context.namespace ?? ''}\n`;
  }
  cli.io.out(tabulate(text, TABLE_OPTIONS));
}

export function setContext(cli: Cli, name: string | undefined, opts: { current?: boolean; namespace?: string; cluster?: string; user?: string }): void {
  const cfg = load(cli);
  const target = opts.current ? cfg['current-context'] : name;
  if (!target) throw new CliError(opts.current ? 'no current context is set' : 'you must specify a context name or --current');
  let ctx = cfg.contexts.find((c) => c.name === target);
  const created = !ctx;
  if (!ctx) {
    ctx = { name: target, context: { cluster: '', user: '' } };
    cfg.contexts.push(ctx);
  }
  if (opts.namespace !== undefined) ctx.context.namespace = opts.namespace;
  if (opts.cluster !== undefined) ctx.context.cluster = opts.cluster;
  if (opts.user !== undefined) ctx.context.user = opts.user;
  writeConfigFile(configPath(cli), cfg);
  cli.io.out(`Context "${target}" ${created ? 'created' : 'modified'}.\n`);
}
