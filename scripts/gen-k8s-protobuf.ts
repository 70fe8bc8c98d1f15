// Derives lib/api/k8s-protobuf/<package>.proto, Kubernetes' protobuf schema for Kite's messages,
// from Kubernetes' own generated.proto files (k8s.io/api and k8s.io/apimachinery, read from a
// directory given on the command line; they are not part of Kite): each kind's message and its
// list, and the review and token messages, walked beside Kite's message of the same name, keep
// Kubernetes' package-qualified names, field numbers and types for exactly the fields Kite's
// messages have. Fields Kite's messages have and Kubernetes' lack are printed and fail the run.
//   npx tsx scripts/gen-k8s-protobuf.ts <dir holding k8s.io/api/... and k8s.io/apimachinery/...>
// Run after adding a kind; the output is committed. front-door.proto, envelope.proto and eviction.proto are
// written by hand.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pb from 'protobufjs';
import { EMBEDDED } from '../lib/api/k8s-protobuf';
import { ALL_KINDS } from '../lib/api/kinds';
import { jsonName, protoRootOf } from '../lib/api/proto-schema';

const OUT = join(__dirname, '..', 'lib', 'api', 'k8s-protobuf');

/** Kite's proto packages and Kubernetes' (the group's first label, as k8s.io/api lays them out). */
const PACKAGES: Record<string, string> = {
  'kite.core.v1': 'k8s.io.api.core.v1',
  'kite.apps.v1': 'k8s.io.api.apps.v1',
  'kite.coordination.v1': 'k8s.io.api.coordination.v1',
  'kite.rbac.v1': 'k8s.io.api.rbac.v1',
  'kite.discovery.v1': 'k8s.io.api.discovery.v1',
  'kite.networking.v1': 'k8s.io.api.networking.v1',
  'kite.batch.v1': 'k8s.io.api.batch.v1',
  'kite.policy.v1': 'k8s.io.api.policy.v1',
  'kite.storage.v1': 'k8s.io.api.storage.v1',
  'kite.authentication.v1': 'k8s.io.api.authentication.v1',
  'kite.authorization.v1': 'k8s.io.api.authorization.v1',
  'kite.scheduling.v1': 'k8s.io.api.scheduling.v1',
  'kite.autoscaling.v2': 'k8s.io.api.autoscaling.v2',
};

/** Messages that are not a kind: Kite's message and Kubernetes'. */
const OTHER_ROOTS: [string, string][] = [
  ['kite.authentication.v1.TokenRequest', 'k8s.io.api.authentication.v1.TokenRequest'],
  ['kite.authorization.v1.SelfSubjectAccessReview', 'k8s.io.api.authorization.v1.SelfSubjectAccessReview'],
  ['kite.authorization.v1.SubjectAccessReview', 'k8s.io.api.authorization.v1.SubjectAccessReview'],
  ['kite.authorization.v1.SelfSubjectRulesReview', 'k8s.io.api.authorization.v1.SelfSubjectRulesReview'],
  ['kite.authorization.v1.SelfSubjectReview', 'k8s.io.api.authentication.v1.SelfSubjectReview'],
  ['kite.meta.v1.Scale', 'k8s.io.api.autoscaling.v1.Scale'],
];

/** Kubernetes' well-known types, kept whole: the transcoder maps them to their JSON. */
const WHOLE = new Set([
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  'k8s.io.apimachinery.pkg.api.resource.Quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'k8s.io.apimachinery.pkg.runtime.RawExtension',
]);

/** Fields whose proto name is not their JSON name (the Go struct tag says so; generated.proto does not). */
const JSON_NAMES: Record<string, string> = { 'k8s.io.api.authentication.v1.BoundObjectReference.uID': 'uid' };

function kubernetesRoot(dir: string): pb.Root {
  const r = new pb.Root();
  r.resolvePath = (_origin, target) => join(dir, target);
  const groups = ['core/v1', 'apps/v1', 'coordination/v1', 'rbac/v1', 'discovery/v1', 'networking/v1', 'batch/v1', 'policy/v1', 'storage/v1', 'authentication/v1', 'authorization/v1', 'autoscaling/v1', 'autoscaling/v2', 'scheduling/v1'];
  r.loadSync(groups.map((g) => `k8s.io/api/${g}/generated.proto`), { keepCase: true });
  r.resolveAll();
  return r;
}

function main(dir: string): void {
  const k8s = kubernetesRoot(dir);
  const kite = protoRootOf();
  const used = new Map<string, Set<string>>();
  const missing: string[] = [];
  const seen = new Set<string>();
  const use = (message: string, field?: string) => {
    if (!used.has(message)) used.set(message, new Set());
    if (field) used.get(message)!.add(field);
  };
  const name = (t: pb.Type) => t.fullName.slice(1);
  const messageOf = (f: pb.Field) => (f.resolvedType instanceof pb.Type ? f.resolvedType : undefined);

  const walk = (ours: pb.Type | undefined, theirs: pb.Type): void => {
    const key = `${ours?.fullName}|${theirs.fullName}`;
    if (seen.has(key)) return;
    seen.add(key);
    use(name(theirs));
    if (WHOLE.has(name(theirs))) return theirs.fieldsArray.forEach((f) => use(name(theirs), f.name));
    for (const f of ours?.fieldsArray ?? []) {
      const json = jsonName(f);
      let owner = theirs;
      let field = theirs.fields[json] ?? theirs.fieldsArray.find((x) => JSON_NAMES[`${name(theirs)}.${x.name}`] === json);
      const embedded = EMBEDDED[name(theirs)];
      if (!field && embedded) {
        const inner = messageOf(theirs.fields[embedded])!;
        if (inner.fields[json]) {
          use(name(theirs), embedded);
          owner = inner;
          field = inner.fields[json];
        }
      }
      if (!field) {
        if (json !== 'kind' && json !== 'apiVersion') missing.push(`${f.parent!.fullName.slice(1)}.${json}: ${name(theirs)} has no such field`);
        continue;
      }
      use(name(owner), field.name);
      const child = messageOf(field);
      if (child) walk(messageOf(f), child);
    }
  };

  for (const kind of ALL_KINDS) {
    const pkg = kind.serviceName.slice(0, kind.serviceName.lastIndexOf('.'));
    for (const suffix of ['', 'List']) walk(kite.lookupType(`${pkg}.${kind.kind}${suffix}`), k8s.lookupType(`${PACKAGES[pkg]}.${kind.kind}${suffix}`));
  }
  for (const [ours, theirs] of OTHER_ROOTS) walk(kite.lookupType(ours), k8s.lookupType(theirs));
  if (missing.length) {
    console.error(missing.join('\n'));
    process.exit(1);
  }

  const byPackage = new Map<string, string[]>();
  for (const [full, fields] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
    const t = k8s.lookupType(full);
    const lines = [`message ${t.name} {`];
    for (const f of t.fieldsArray.filter((x) => fields.has(x.name)).sort((a, b) => a.id - b.id)) {
      const type = f.resolvedType ? f.resolvedType.fullName : f.type;
      const json = JSON_NAMES[`${full}.${f.name}`];
      const option = json ? ` [json_name = "${json}"]` : '';
      if (f instanceof pb.MapField) lines.push(`  map<${f.keyType}, ${type}> ${f.name} = ${f.id}${option};`);
      else lines.push(`  ${f.repeated ? 'repeated' : 'optional'} ${type} ${f.name} = ${f.id}${option};`);
    }
    lines.push('}');
    const pkg = full.slice(0, full.lastIndexOf('.'));
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), lines.join('\n')]);
  }
  for (const [pkg, messages] of byPackage) {
    // RawExtension (a ControllerRevision's data) is in the hand-written envelope.proto.
    if (pkg === 'k8s.io.apimachinery.pkg.runtime') continue;
    const header = [
      `// Kubernetes' protobuf encoding of ${pkg} (its generated.proto: package-qualified names and field`,
      `// numbers), restricted to the fields Kite's messages have; the transcoder (../k8s-protobuf.ts) skips the rest.`,
      '// Generated by scripts/gen-k8s-protobuf.ts; do not edit.',
      'syntax = "proto2";',
      '',
      `package ${pkg};`,
      '',
    ];
    writeFileSync(join(OUT, `${pkg}.proto`), `${header.join('\n')}\n${messages.join('\n\n')}\n`);
  }
}

if (process.argv.length !== 3) {
  console.error('usage: tsx scripts/gen-k8s-protobuf.ts <dir holding k8s.io/api and k8s.io/apimachinery>');
  process.exit(2);
}
main(process.argv[2]);
