// kitectl auth can-i / auth whoami: ask the apiserver (kite.authorization.v1) whether the
// caller may do something, or who it takes the caller for. --as / --as-group ask on behalf of
// someone else through impersonation, which needs the impersonate verb. Like kubectl, can-i
// prints "yes" or "no" and exits 0 or 1; `can-i --list` prints what the caller may do in the
// namespace (a SelfSubjectRulesReview) as kubectl's table (printers/access-list.ts). This module is loaded at start-up only to declare
// the commands; gRPC and generated code load when one runs.
import type { Command } from 'commander';
import type { Cli } from './cli-context';

type Runner = (fn: (cli: Cli) => Promise<void> | void) => Promise<void>;

const SERVICE = '/kite.authorization.v1.AuthorizationService';
const collect = (v: string, prev: string[] = []) => [...prev, v];

interface CanIOptions {
  allNamespaces?: boolean;
  subresource?: string;
  as?: string;
  asGroup?: string[];
  quiet?: boolean;
  list?: boolean;
  /** false with --no-headers */
  headers?: boolean;
}

/** Calls one AuthorizationService method with the caller's token and impersonation metadata. */
async function call<Req, Res>(cli: Cli, method: string, codec: { encode(m: Req): { finish(): Uint8Array } }, decode: (b: Uint8Array) => Res, req: Req, as?: string, asGroups: string[] = []): Promise<Res> {
  const { Metadata } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const { fromServiceError } = require('../../lib/api/errors') as typeof import('../../lib/api/errors');
  const cs = await cli.clientset();
  const md = new Metadata();
  const token = cs.bearerToken();
  if (token) md.set('authorization', `Bearer ${token}`);
  if (as) md.set('impersonate-user', as);
  for (const g of asGroups) md.add('impersonate-group', g);
  return new Promise((resolve, reject) => {
    cs.grpc.makeUnaryRequest(
      `${SERVICE}/${method}`,
      (m: Req) => Buffer.from(codec.encode(m).finish()),
      (b: Buffer) => decode(b),
      req,
      md,
      { deadline: Date.now() + 30_000 },
      (err, res) => (err ? reject(fromServiceError(err)) : resolve(res!)),
    );
  });
}

/** "pods", "pods/name", "deployments.apps", or a non-resource URL ("/healthz"). */
function target(what: string, name: string | undefined): { resource?: { group: string; resource: string; name: string; namespaced: boolean }; path?: string; unknown?: string } {
  if (what.startsWith('/')) return { path: what };
  const { lookupKind } = require('../../lib/api/kinds') as typeof import('../../lib/api/kinds');
  const slash = what.indexOf('/');
  const type = slash < 0 ? what : what.slice(0, slash);
  const objName = slash < 0 ? name ?? '' : what.slice(slash + 1);
  const kind = lookupKind(type);
  if (kind) return { resource: { group: kind.group, resource: kind.resource, name: objName, namespaced: kind.namespaced } };
  // Like kubectl: an unknown type is still asked about (RBAC rules may name anything).
  const dot = type.indexOf('.');
  return {
    resource: { group: dot < 0 ? '' : type.slice(dot + 1), resource: dot < 0 ? type : type.slice(0, dot), name: objName, namespaced: true },
    unknown: type,
  };
}

/** `auth can-i --list`: the caller's rules in the namespace, as kubectl prints them. */
async function canIList(cli: Cli, o: CanIOptions): Promise<void> {
  const { CreateSelfSubjectRulesReviewRequest, SelfSubjectRulesReview } = require('../../lib/gen/kite/authorization/v1/authorization') as typeof import('../../lib/gen/kite/authorization/v1/authorization');
  const { accessTable } = require('./printers/access-list') as typeof import('./printers/access-list');
  const namespace = o.allNamespaces ? '' : await cli.namespace();
  const review = await call(
    cli,
    'CreateSelfSubjectRulesReview',
    CreateSelfSubjectRulesReviewRequest,
    (b) => SelfSubjectRulesReview.decode(b),
    CreateSelfSubjectRulesReviewRequest.fromPartial({ selfSubjectRulesReview: { spec: { namespace } } }),
    o.as,
    o.asGroup,
  );
  const s = review.status;
  if (s?.incomplete) cli.io.err(`Warning: the list may be incomplete: ${s.evaluationError}\n`);
  const rules = [
    ...(s?.resourceRules ?? []).map((r) => ({ ...r, nonResourceURLs: [] })),
    ...(s?.nonResourceRules ?? []).map((r) => ({ verbs: r.verbs, apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: r.nonResourceURLs })),
  ];
  cli.io.out(accessTable(rules, o.headers === false));
}

export async function canI(cli: Cli, verb: string | undefined, what: string | undefined, name: string | undefined, o: CanIOptions): Promise<void> {
  const { CliError, ReportedError } = require('./cli-errors') as typeof import('./cli-errors');
  if (o.list) {
    if (verb !== undefined) throw new CliError('list option must be specified with no arguments');
    return canIList(cli, o);
  }
  if (verb === undefined || what === undefined) throw new CliError("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kitectl auth can-i -h' for help and examples.");
  const { CreateSelfSubjectAccessReviewRequest, SelfSubjectAccessReview } = require('../../lib/gen/kite/authorization/v1/authorization') as typeof import('../../lib/gen/kite/authorization/v1/authorization');
  if ((o.asGroup ?? []).length > 0 && !o.as) throw new CliError('--as-group needs --as: impersonating groups needs a user');
  const t = target(what, name);
  if (t.unknown) cli.io.err(`Warning: the server doesn't have a resource type '${t.unknown}'\n`);
  const namespace = !t.resource?.namespaced || o.allNamespaces ? '' : await cli.namespace();
  const spec = t.path
    ? { nonResourceAttributes: { path: t.path, verb } }
    : {
        resourceAttributes: {
          namespace,
          verb,
          group: t.resource!.group,
          version: '',
          resource: t.resource!.resource,
          subresource: o.subresource ?? '',
          name: t.resource!.name,
        },
      };
  const review = await call(
    cli,
    'CreateSelfSubjectAccessReview',
    CreateSelfSubjectAccessReviewRequest,
    (b) => SelfSubjectAccessReview.decode(b),
    CreateSelfSubjectAccessReviewRequest.fromPartial({ selfSubjectAccessReview: { spec } }),
    o.as,
    o.asGroup,
  );
  const s = review.status;
  if (s?.evaluationError) throw new CliError(s.evaluationError);
  if (!o.quiet) cli.io.out(s?.allowed ? 'yes\n' : s?.reason ? `no - ${s.reason}\n` : 'no\n');
  if (!s?.allowed) throw new ReportedError();
}

export async function whoami(cli: Cli, o: { as?: string; asGroup?: string[]; output?: string }): Promise<void> {
  const { CreateSelfSubjectReviewRequest, SelfSubjectReview } = require('../../lib/gen/kite/authorization/v1/authorization') as typeof import('../../lib/gen/kite/authorization/v1/authorization');
  const review = await call(cli, 'CreateSelfSubjectReview', CreateSelfSubjectReviewRequest, (b) => SelfSubjectReview.decode(b), {}, o.as, o.asGroup);
  if (o.output === 'json') {
    cli.io.out(`${JSON.stringify(SelfSubjectReview.toJSON(review), null, 2)}\n`);
    return;
  }
  const u = review.status?.userInfo;
  const rows = [['ATTRIBUTE', 'VALUE'], ['Username', u?.username ?? ''], ...(u?.uid ? [['UID', u.uid]] : []), ['Groups', `[${(u?.groups ?? []).join(' ')}]`]];
  const width = Math.max(...rows.map((r) => r[0].length)) + 3;
  cli.io.out(rows.map((r) => `${r[0].padEnd(width)}${r[1]}\n`).join(''));
}

/** Declares `auth can-i` and `auth whoami` on kitectl's program. */
export function registerAuthCommands(program: Command, run: Runner): void {
  const auth = program.command('auth').description('Inspect authorization');
  auth
    .command('can-i')
    .description('Check whether an action is allowed (prints yes or no; exit code 0 or 1)')
    .argument('[verb]', 'get, list, watch, create, update, patch, delete, impersonate ...')
    .argument('[resource]', 'TYPE, TYPE/NAME or a non-resource URL such as /healthz')
    .argument('[name]', 'the object name')
    .option('-A, --all-namespaces', 'check the action in all namespaces')
    .option('--subresource <name>', 'a subresource such as status, log, exec, binding, scale')
    .option('--as <user>', 'ask as this user (impersonation)')
    .option('--as-group <group>', 'ask as a member of this group (repeatable; needs --as)', collect)
    .option('-q, --quiet', 'print nothing; only the exit code tells')
    .option('--list', 'list every action allowed in the namespace')
    .option('--no-headers', 'with --list: print no header line')
    .action((verb: string | undefined, what: string | undefined, name: string | undefined, o: CanIOptions) => run((cli) => canI(cli, verb, what, name, o)));
  auth
    .command('whoami')
    .description('Show the user name and groups the apiserver sees')
    .option('--as <user>', 'ask as this user (impersonation)')
    .option('--as-group <group>', 'as a member of this group (repeatable; needs --as)', collect)
    .option('-o, --output <format>', 'json')
    .action((o: { as?: string; asGroup?: string[]; output?: string }) => run((cli) => whoami(cli, o)));
}
