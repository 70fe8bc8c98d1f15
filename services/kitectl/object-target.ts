// Where a manifest's object goes: its own namespace, else -n, else the context's; kubectl
// refuses a manifest whose namespace contradicts an explicit -n.
import type { Manifest } from '../../lib/api/manifest';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';

export async function targetNamespace(cli: Cli, m: Manifest): Promise<string> {
  if (!m.kind.namespaced) return '';
  const own = m.object.metadata?.namespace;
  const ns = await cli.namespace();
  if (own && cli.namespaceGiven && own !== ns) {
    throw new CliError(
      `the namespace from the provided object "${own}" does not match the namespace "${ns}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  return own || ns;
}

/** Checks every manifest's namespace before any is sent. */
export async function targetNamespaces(cli: Cli, manifests: Manifest[]): Promise<string[]> {
  const out: string[] = [];
  for (const m of manifests) out.push(await targetNamespace(cli, m));
  return out;
}
