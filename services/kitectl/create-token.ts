// `kitectl create token SERVICE_ACCOUNT`, as kubectl's create_token.go: a TokenRequest (audiences,
// expirationSeconds, boundObjectRef) sent to the serviceaccounts/token subresource
// (CreateServiceAccountToken), then only the token printed (a newline only on a terminal), or
// the whole TokenRequest with -o.
import { ServiceAccounts } from '../../lib/api/kinds';
import { TokenRequest } from '../../lib/gen/kite/authentication/v1/types';
import { parseDuration } from '../../lib/util/duration';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { formatJSON, formatYAML } from './printers/object-output';
import { jsonPath } from './printers/jsonpath';
import { parseGeneratorOutput } from './create';

/** The kinds a token can be bound to, with their apiVersion (kubectl's boundObjectKindToAPIVersion). */
const BOUND_OBJECT_KINDS: Record<string, string> = { Node: 'v1', Pod: 'v1', Secret: 'v1' };

export interface CreateTokenOptions {
  audience?: string[];
  /** A Go duration; 0 (the default) lets the server choose the lifetime. */
  duration?: string;
  boundObjectKind?: string;
  boundObjectName?: string;
  boundObjectUid?: string;
  output?: string;
}

/** The TokenRequest kubectl sends, after its checks (with its wording). */
export function buildTokenRequest(opts: CreateTokenOptions): TokenRequest {
  let ms = 0;
  if (opts.duration !== undefined) {
    try {
      ms = parseDuration(opts.duration);
    } catch (e) {
      throw new CliError(`invalid argument "${opts.duration}" for "--duration" flag: ${(e as Error).message}`);
    }
  }
  if (ms < 0) throw new CliError('--duration must be greater than or equal to 0');
  if (Math.round(ms * 1e6) % 1e9 !== 0) throw new CliError('--duration cannot be expressed in units less than seconds');
  const audiences = opts.audience ?? [];
  if (audiences.some((a) => a === '')) throw new CliError('--audience must not be an empty string');
  const kind = opts.boundObjectKind ?? '';
  if (!kind) {
    if (opts.boundObjectName) throw new CliError('--bound-object-name can only be set if --bound-object-kind is provided');
    if (opts.boundObjectUid) throw new CliError('--bound-object-uid can only be set if --bound-object-kind is provided');
  } else {
    if (!Object.hasOwn(BOUND_OBJECT_KINDS, kind)) throw new CliError(`supported --bound-object-kind values are ${Object.keys(BOUND_OBJECT_KINDS).sort().join(', ')}`);
    if (!opts.boundObjectName) throw new CliError('--bound-object-name is required if --bound-object-kind is provided');
  }
  return TokenRequest.fromPartial({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      audiences,
      expirationSeconds: ms > 0 ? Math.round(ms / 1000) : undefined,
      boundObjectRef: kind ? { kind, apiVersion: BOUND_OBJECT_KINDS[kind], name: opts.boundObjectName, uid: opts.boundObjectUid ?? '' } : undefined,
    },
  });
}

export async function createToken(cli: Cli, serviceAccount: string, opts: CreateTokenOptions): Promise<void> {
  const fmt = parseGeneratorOutput(opts.output);
  const request = buildTokenRequest(opts);
  let response: TokenRequest;
  try {
    const cs = await cli.clientset();
    response = await cs.resource(ServiceAccounts).call<TokenRequest>('createToken', {
      namespace: await cli.namespace(),
      name: serviceAccount,
      tokenRequest: request,
      dryRun: [],
    });
  } catch (e) {
    throw new CliError(`failed to create token: ${e instanceof Error ? e.message : String(e)}`);
  }
  const token = response.status?.token ?? '';
  if (!token) throw new CliError('failed to create token: no token in server response');
  if (!fmt) {
    cli.io.out(cli.io.outIsTerminal ? `${token}\n` : token);
    return;
  }
  const { apiVersion: _a, kind: _k, ...rest } = TokenRequest.toJSON(response) as Record<string, unknown>;
  const json = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', ...rest };
  if (fmt.type === 'name') cli.io.out(`tokenrequest.authentication.k8s.io/${response.metadata?.name ?? ''}\n`);
  else if (fmt.type === 'json') cli.io.out(formatJSON(json));
  else if (fmt.type === 'jsonpath') cli.io.out(jsonPath(fmt.template, json));
  else cli.io.out(formatYAML(json));
}
