// `kitectl api-resources`: the kinds table as kubectl prints discovery.
import { ALL_KINDS } from '../../lib/api/kinds';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { TABLE_OPTIONS, tabulate } from '../../lib/util/tabwriter';

export function apiResources(cli: Cli, opts: { namespaced?: string; output?: string; noHeaders?: boolean }): void {
  if (opts.output && opts.output !== 'name' && opts.output !== 'wide') throw new CliError(`--output ${opts.output} is not available`);
  let kinds = [...ALL_KINDS].sort((a, b) => {
    if (a.group !== b.group) return a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group);
    return a.resource.localeCompare(b.resource);
  });
  if (opts.namespaced !== undefined) kinds = kinds.filter((k) => String(k.namespaced) === opts.namespaced);
  if (opts.output === 'name') {
    cli.io.out(kinds.map((k) => `${k.resource}${k.group ? `.${k.group}` : ''}\n`).join(''));
    return;
  }
  const wide = opts.output === 'wide';
  let text = opts.noHeaders ? '' : `NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND${wide ? '\tVERBS' : ''}\n`;
  const VERBS = '[create delete get list patch update watch]';
  for (const k of kinds) {
    text += `${k.resource}\t${k.shortNames.join(',')}\t${k.apiVersion}\t${k.namespaced}\t${k.kind}${wide ? `\t${VERBS}` : ''}\n`;
  }
  cli.io.out(tabulate(text, TABLE_OPTIONS));
}
