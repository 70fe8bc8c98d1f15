// `kitectl apply -f`: create what is missing, update what differs (three-way merge with the
// last-applied annotation), leave the rest alone, and say which, as kubectl does; with
// --server-side, each manifest is sent as an apply patch and the apiserver merges it (server-side
// apply, field manager "kitectl" unless --field-manager), conflicts refused unless --force-conflicts.
import { ConflictError, isConflict, isNotFound } from '../../lib/api/errors';
import type { KubeObject } from '../../lib/api/kinds';
import { canonicalizeQuantities, quantitiesAsText } from '../../lib/api/kube-json';
import type { Manifest } from '../../lib/api/manifest';
import { messageTypeOf } from '../../lib/api/proto-schema';
import { messageSchema } from '../../lib/api/strategic-merge-patch';
import { LAST_APPLIED, canonicalJSON, jsonEqual, threeWayMerge } from './apply-merge';
import type { Cli } from './cli-context';
import { CliError, ReportedError, formatError } from './cli-errors';
import { readManifests } from './manifest-files';
import { targetNamespaces } from './object-target';
import { qualifiedKind } from './printers/table-printer';

export interface ApplyOptions {
  filename: string[];
  recursive?: boolean;
  serverSide?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
}

export type ApplyResult = 'created' | 'configured' | 'unchanged' | 'serverside-applied';

/** kubectl's advice after a server-side apply conflict (apply.go's fieldManagerConflictErr). */
const CONFLICT_ADVICE = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`;

/** One manifest as a server-side apply patch; a conflict is reported with kubectl's advice. */
async function serverSideApply(cli: Cli, m: Manifest, namespace: string, opts: ApplyOptions): Promise<ApplyResult> {
  const name = m.object.metadata?.name ?? '';
  const config = structuredClone(m.raw) as JsonObject;
  if (m.kind.namespaced) config.metadata = { ...(config.metadata ?? {}), namespace };
  const client = (await cli.clientset()).resource(m.kind);
  try {
    await client.apply(name, config, { namespace, fieldManager: opts.fieldManager || 'kitectl', force: opts.forceConflicts ? true : undefined });
  } catch (e) {
    if (e instanceof ConflictError && e.causes.length) throw new CliError(`${e.message}\n${CONFLICT_ADVICE}`);
    throw e;
  }
  return 'serverside-applied';
}

const MAX_CONFLICT_RETRIES = 5;

type JsonObject = Record<string, any>;

/** The configuration to apply: the manifest in canonical form, annotated with itself. */
export function desiredConfig(m: Manifest, namespace: string): { desired: JsonObject; annotation: string } {
  const raw = structuredClone(m.raw) as JsonObject;
  raw.metadata ??= {};
  if (namespace) raw.metadata.namespace = namespace;
  const annotations = { ...(raw.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  raw.metadata.annotations = annotations;
  const annotation = `${canonicalJSON(raw)}\n`;
  raw.metadata.annotations = { ...annotations, [LAST_APPLIED]: annotation };
  // Through the codec once, so spellings the API normalises (defaults left out, int-or-string,
  // quantities in canonical form: `cpu: 0.5` is stored as 500m) compare equal to what the server returns.
  const obj = m.kind.type.fromJSON(quantitiesAsText(messageTypeOf(m.kind), raw));
  canonicalizeQuantities(m.kind, obj);
  const desired = m.kind.type.toJSON(obj) as JsonObject;
  return { desired, annotation };
}

function parseLastApplied(obj: KubeObject): JsonObject | undefined {
  const s = obj.metadata?.annotations?.[LAST_APPLIED];
  if (!s) return undefined;
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Applies one manifest; retries the read-merge-write cycle on resourceVersion conflicts. With
 * dryRun the server admits and validates the write without storing it.
 */
export async function applyOne(cli: Cli, m: Manifest, namespace: string, dryRun = false): Promise<ApplyResult> {
  const name = m.object.metadata?.name;
  if (!name) throw new CliError(`error when retrieving current configuration of:\nResource: "${m.kind.resource}", Name: "", Namespace: "${namespace}"\nfrom server for: "${m.source}": resource name may not be empty`);
  const client = (await cli.clientset()).resource(m.kind);
  const { desired } = desiredConfig(m, namespace);
  for (let attempt = 0; ; attempt++) {
    let live: KubeObject;
    try {
      live = await client.get(name, namespace);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await client.create(m.kind.type.fromJSON(desired), { namespace, dryRun });
        return 'created';
      } catch (ce) {
        // Someone created it between our get and create: merge into theirs.
        if ((ce as { reason?: string }).reason === 'AlreadyExists' && attempt < MAX_CONFLICT_RETRIES) continue;
        throw ce;
      }
    }
    const liveJSON = m.kind.type.toJSON(live) as JsonObject;
    const merged = m.kind.type.fromJSON(threeWayMerge(liveJSON, parseLastApplied(live), desired, messageSchema(messageTypeOf(m.kind))));
    if (jsonEqual(m.kind.type.toJSON(merged), liveJSON)) return 'unchanged';
    try {
      await client.update(merged, { dryRun });
      return 'configured';
    } catch (e) {
      if (isConflict(e) && attempt < MAX_CONFLICT_RETRIES) continue;
      throw e;
    }
  }
}

/**
 * Runs every write as a server-side dry run first, so that an object the server rejects
 * (validation, quota, conflict) stops the whole apply before anything is stored. Objects in a
 * namespace that an earlier document of the same apply creates cannot be checked ahead.
 */
async function preflight(cli: Cli, manifests: Manifest[], namespaces: string[]): Promise<boolean> {
  const newNamespaces = new Set<string>();
  let ok = true;
  for (let i = 0; i < manifests.length; i++) {
    const m = manifests[i];
    if (m.kind.namespaced && newNamespaces.has(namespaces[i])) continue;
    try {
      const result = await applyOne(cli, m, namespaces[i], true);
      if (m.kind.kind === 'Namespace' && result === 'created') newNamespaces.add(m.object.metadata?.name ?? '');
    } catch (e) {
      if (e instanceof CliError) throw e;
      ok = false;
      cli.io.err(`${formatError(e, `error when applying "${m.source}": `)}\n`);
    }
  }
  return ok;
}

export async function apply(cli: Cli, opts: ApplyOptions): Promise<void> {
  const manifests = await readManifests(opts.filename, Boolean(opts.recursive), cli.io, 'apply');
  const namespaces = await targetNamespaces(cli, manifests);
  if (opts.forceConflicts && !opts.serverSide) throw new CliError('--force-conflicts only works with --server-side');
  if (!opts.serverSide && manifests.length > 1 && !(await preflight(cli, manifests, namespaces))) throw new ReportedError();
  let failed = false;
  for (let i = 0; i < manifests.length; i++) {
    const m = manifests[i];
    try {
      const result = opts.serverSide ? await serverSideApply(cli, m, namespaces[i], opts) : await applyOne(cli, m, namespaces[i]);
      cli.io.out(`${qualifiedKind(m.kind)}/${m.object.metadata?.name} ${result}\n`);
    } catch (e) {
      if (e instanceof CliError) throw e;
      failed = true;
      cli.io.err(`${formatError(e, `error when applying "${m.source}": `)}\n`);
    }
  }
  if (failed) throw new ReportedError();
}
