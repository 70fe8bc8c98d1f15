// `kitectl version`. Kept apart from everything that loads the API types, so `version
// --client` starts quickly.
import type { Cli } from './cli-context';

export const CLIENT_VERSION = 'v0.1.0';

export async function version(cli: Cli, opts: { client?: boolean }): Promise<void> {
  cli.io.out(`Client Version: ${CLIENT_VERSION}\n`);
  if (opts.client) return;
  // The apiserver has no version call; reaching it proves which server kitectl talks to.
  const cs = await cli.clientset();
  cli.io.out(`Server Address: ${cs.config.address}\n`);
}
