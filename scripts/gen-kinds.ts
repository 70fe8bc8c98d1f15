// Generates, from the kind declarations (lib/api/kind-declarations.ts), what would otherwise be
// written by hand per kind:
// - proto/kite/<group>/<version>/services.proto: one <Kind>Service per kind with the uniform verbs of
//   the public contract (Create/Get/List/Update/UpdateStatus/Patch/Delete/Watch and the
//   subresources Kubernetes has). The kinds' messages live in the hand-written types protos.
// - lib/gen/kite/kinds.ts: the typed kind table binding each declaration to its generated
//   messages and service.
// Run by `npm run gen` (before buf generate); the output is committed so the API can be read
// without running it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_GROUPS, KIND_DECLARATIONS, kindConstName, kindMethods, type ApiGroupName, type KindDeclaration } from '../lib/api/kind-declarations';


const ROOT = join(__dirname, '..');

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function kindProto(d: KindDeclaration): string {
  const { kind, plural, namespaced, status, bind, scale, streams, token, eviction } = d;
  const m = kindMethods(d);
  const field = snake(kind);
  const ns = namespaced ? '  string namespace = 1;\n' : '';
  const rpcs: string[] = [];
  const msgs: string[] = [];
  const rpc = (name: string, req: string, res: string, comment: string) => rpcs.push(`  // ${comment}\n  rpc ${name}(${req}) returns (${res});`);

  rpc(m.create!, `${m.create}Request`, kind, `Creates a ${kind}; ALREADY_EXISTS if the name is taken.`);
  msgs.push(`message Create${kind}Request {\n${ns}  ${kind} ${field} = 2;\n  repeated string dry_run = 3;\n  string field_manager = 4;\n}`);

  rpc(m.get!, `${m.get}Request`, kind, `Returns one ${kind}; NOT_FOUND if absent.`);
  msgs.push(`message Get${kind}Request {\n${ns}  string name = 2;\n  string resource_version = 3;\n}`);

  rpc(m.list!, `${m.list}Request`, `${kind}List`, `Lists ${plural} matching the selectors, consistently paginated with limit/continue.`);
  msgs.push(`message List${plural}Request {\n${ns}  string label_selector = 2;\n  string field_selector = 3;\n  string resource_version = 4;\n  string resource_version_match = 5;\n  int64 limit = 6;\n  string continue = 7;\n}`);

  rpc(m.update!, `${m.update}Request`, kind, `Replaces a ${kind}'s spec and metadata; ABORTED on a stale resourceVersion.`);
  msgs.push(`message Update${kind}Request {\n  ${kind} ${field} = 1;\n  repeated string dry_run = 2;\n  string field_manager = 3;\n}`);

  if (status) {
    rpc(m.updateStatus!, `${m.updateStatus}Request`, kind, `Replaces a ${kind}'s status (the status subresource).`);
    msgs.push(`message Update${kind}StatusRequest {\n  ${kind} ${field} = 1;\n  string field_manager = 2;\n}`);
  }

  rpc(m.patch!, `${m.patch}Request`, kind, `Applies a JSON patch, merge patch, strategic merge patch or apply patch (server-side apply as field_manager; force takes conflicting fields).`);
  msgs.push(`message Patch${kind}Request {\n${ns}  string name = 2;\n  string patch_type = 3;\n  string patch = 4;\n  repeated string dry_run = 5;\n  string subresource = 6;\n  string field_manager = 7;\n  optional bool force = 8;\n}`);

  rpc(m.delete!, `${m.delete}Request`, kind, `Deletes a ${kind}, honouring finalizers and the propagation policy; returns its last state.`);
  msgs.push(`message Delete${kind}Request {\n${ns}  string name = 2;\n  optional int64 grace_period_seconds = 3;\n  kite.meta.v1.Preconditions preconditions = 4;\n  string propagation_policy = 5;\n  repeated string dry_run = 6;\n}`);

  rpc(m.deleteCollection!, `${m.deleteCollection}Request`, `${kind}List`, `Deletes every ${kind} matching the selectors (deletecollection), each as Delete${kind} would; returns the deleted objects.`);
  msgs.push(`message DeleteCollection${plural}Request {\n${ns}  string label_selector = 2;\n  string field_selector = 3;\n  optional int64 grace_period_seconds = 4;\n  string propagation_policy = 5;\n  repeated string dry_run = 6;\n}`);

  rpc(m.watch!, `${m.watch}Request`, `stream ${kind}WatchEvent`, `Streams changes from resource_version (or from now): ADDED, MODIFIED, DELETED, BOOKMARK.`);
  msgs.push(`message Watch${plural}Request {\n${ns}  string label_selector = 2;\n  string field_selector = 3;\n  string resource_version = 4;\n  bool allow_watch_bookmarks = 5;\n  optional int64 timeout_seconds = 6;\n  bool send_initial_events = 7;\n}`);
  msgs.push(`message ${kind}WatchEvent {\n  string type = 1;\n  ${kind} object = 2;\n}`);

  if (bind) {
    rpc(m.bind!, `${m.bind}Request`, kind, `Binds a pod to a node (the pods/binding subresource); fails if it is already bound.`);
    msgs.push(`message Bind${kind}Request {\n  string namespace = 1;\n  string name = 2;\n  ObjectReference target = 3;\n  string uid = 4;\n}`);
  }
  if (streams) {
    // pods/log and pods/exec: the apiserver proxies these streams to the pod's kubelet. Field
    // numbers equal kite.kubelet.v1's ContainerLogsRequest/LogChunk/ExecRequest/ExecResponse, so
    // messages pass through unchanged.
    rpcs.push(`  // Streams a container's log from the pod's kubelet (kubectl logs).\n  rpc ${m.logs}(${kind}LogsRequest) returns (stream ${kind}LogChunk);`);
    rpcs.push(`  // Runs a command in a container through the pod's kubelet (kubectl exec); the last response carries the exit code.\n  rpc ${m.exec}(stream Exec${kind}Request) returns (stream Exec${kind}Response);`);
    msgs.push(`message ${kind}LogsRequest {\n  string namespace = 1;\n  string pod_name = 2;\n  string pod_uid = 3;\n  string container = 4;\n  bool follow = 5;\n  bool previous = 6;\n  optional int64 tail_lines = 7;\n  bool timestamps = 8;\n  optional int64 since_seconds = 9;\n  string since_time = 10;\n  optional int64 limit_bytes = 11;\n}`);
    msgs.push(`message ${kind}LogChunk {\n  bytes content = 1;\n  string stream = 2;\n}`);
    msgs.push(`message Exec${kind}Request {\n  Exec${kind}Start start = 1;\n  bytes stdin = 2;\n  bool stdin_close = 3;\n  TerminalSize resize = 4;\n}`);
    msgs.push(`message Exec${kind}Start {\n  string namespace = 1;\n  string pod_name = 2;\n  string pod_uid = 3;\n  string container = 4;\n  repeated string command = 5;\n  bool stdin = 6;\n  bool tty = 7;\n  TerminalSize size = 8;\n}`);
    msgs.push(`message TerminalSize {\n  uint32 width = 1;\n  uint32 height = 2;\n}`);
    msgs.push(`message Exec${kind}Response {\n  bytes stdout = 1;\n  bytes stderr = 2;\n  optional int32 exit_code = 3;\n}`);
    // pods/attach and pods/portforward, proxied the same way (kite.kubelet.v1's Attach and PortForward).
    rpcs.push(`  // Attaches to a running container's main process (kubectl attach): exec's messages, the start naming no command; the last response carries the exit code if the process ends.\n  rpc ${m.attach}(stream ${m.attach}Request) returns (stream Exec${kind}Response);`);
    rpcs.push(`  // Opens one TCP connection to a port inside the pod's network namespace (kubectl port-forward): data both ways until either side closes.\n  rpc ${m.portForward}(stream ${m.portForward}Request) returns (stream ${m.portForward}Response);`);
    msgs.push(`message ${m.attach}Request {\n  Exec${kind}Start start = 1;\n  bytes stdin = 2;\n  bool stdin_close = 3;\n  TerminalSize resize = 4;\n}`);
    msgs.push(`message ${m.portForward}Request {\n  ${m.portForward}Start start = 1;\n  bytes data = 2;\n  bool close = 3;\n}`);
    msgs.push(`message ${m.portForward}Start {\n  string namespace = 1;\n  string pod_name = 2;\n  string pod_uid = 3;\n  int32 port = 4;\n}`);
    msgs.push(`message ${m.portForward}Response {\n  bytes data = 1;\n}`);
  }
  if (eviction) {
    rpc(m.evict!, `${m.evict}Request`, kind, `Evicts a ${kind} (the pods/eviction subresource, a policy/v1 Eviction): deletes it unless a disruption budget forbids it (TOO_MANY_REQUESTS); returns its last state.`);
    msgs.push(`message ${m.evict}Request {\n  string namespace = 1;\n  string name = 2;\n  optional int64 grace_period_seconds = 3;\n  kite.meta.v1.Preconditions preconditions = 4;\n  repeated string dry_run = 5;\n}`);
  }
  if (token) {
    rpc(m.createToken!, `${m.createToken}Request`, 'kite.authentication.v1.TokenRequest', `Issues a bound token for the ${kind} (the serviceaccounts/token subresource, a TokenRequest).`);
    msgs.push(`message ${m.createToken}Request {\n  string namespace = 1;\n  string name = 2;\n  kite.authentication.v1.TokenRequest token_request = 3;\n  repeated string dry_run = 4;\n}`);
  }
  if (scale) {
    rpc(m.getScale!, `${m.getScale}Request`, 'kite.meta.v1.Scale', `Reads the scale subresource.`);
    msgs.push(`message Get${kind}ScaleRequest {\n  string namespace = 1;\n  string name = 2;\n}`);
    rpc(m.updateScale!, `${m.updateScale}Request`, 'kite.meta.v1.Scale', `Sets spec.replicas through the scale subresource.`);
    msgs.push(`message Update${kind}ScaleRequest {\n  string namespace = 1;\n  string name = 2;\n  kite.meta.v1.Scale scale = 3;\n}`);
  }

  return `// ${kind}Service: the ${plural} resource.\nservice ${kind}Service {\n${rpcs.join('\n')}\n}\n\n${msgs.join('\n\n')}\n`;
}

const groups = Object.keys(API_GROUPS) as ApiGroupName[];

/** proto/kite/<dir>/<version>/services.proto of one API group. */
export function renderServicesProto(name: ApiGroupName): string {
  const g = API_GROUPS[name];
  const kinds = KIND_DECLARATIONS.filter((k) => k.apiGroup === name);
  const tokenImport = kinds.some((d) => d.token) ? ['kite/authentication/v1/types.proto'] : [];
  const imports = [`${g.typesProto}.proto`, 'kite/meta/v1/meta.proto', ...tokenImport].sort().map((i) => `import "${i}";`).join('\n');
  return `// Code generated by scripts/gen-kinds.ts (npm run gen). DO NOT EDIT.\nsyntax = "proto3";\n\npackage ${g.protoPackage};\n\n${imports}\n\n${kinds.map(kindProto).join('\n')}`;
}

export const servicesProtoPath = (name: ApiGroupName) => join(ROOT, 'proto', 'kite', API_GROUPS[name].dir, API_GROUPS[name].version, 'services.proto');
export const KINDS_TABLE_PATH = join(ROOT, 'lib', 'gen', 'kite', 'kinds.ts');

/** lib/gen/kite/kinds.ts: `export const Pods = kindInfo<coreTypes.Pod>('Pod', ...)` per declaration. */
export function renderKindsTable(): string {
  const used = groups.filter((name) => KIND_DECLARATIONS.some((k) => k.apiGroup === name));
  const moduleImports = used.flatMap((name) => {
    const g = API_GROUPS[name];
    return [`import * as ${name}Types from './${g.typesProto.replace(/^kite\//, '')}';`, `import * as ${name}Services from './${g.dir}/${g.version}/services';`];
  });
  const entries = KIND_DECLARATIONS.map((d) => {
    const t = `${d.apiGroup}Types`;
    const s = `${d.apiGroup}Services`;
    const methods = Object.values(kindMethods(d)).join(', ');
    return `/** ${d.kind} (${methods}). */\nexport const ${kindConstName(d)} = kindInfo<${t}.${d.kind}>('${d.kind}', ${t}.${d.kind}, ${t}.${d.kind}List, ${s}.${d.kind}WatchEvent, ${s}.${d.kind}ServiceService);`;
  });
  const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
  const table = `/** Every kind, by the field name typed clients use (clientset.pods, clientset.replicaSets). */\nexport const KINDS = {\n${KIND_DECLARATIONS.map((d) => `  ${lowerFirst(d.plural)}: ${kindConstName(d)},`).join('\n')}\n} as const;`;
  const all = `/** Every kind, in declaration order. */\nexport const ALL_KINDS: readonly KindInfo<any>[] = Object.values(KINDS);`;
  return [
    '// Code generated by scripts/gen-kinds.ts (npm run gen) from lib/api/kind-declarations.ts. DO NOT EDIT.',
    "import { kindInfo, type KindInfo } from '../../api/kind-info';",
    ...moduleImports,
    '',
    entries.join('\n'),
    '',
    table,
    '',
    all,
    '',
  ].join('\n');
}

if (require.main === module) {
  for (const name of groups) writeFileSync(servicesProtoPath(name), renderServicesProto(name));
  writeFileSync(KINDS_TABLE_PATH, renderKindsTable());
}
