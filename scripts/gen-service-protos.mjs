#!/usr/bin/env node
// Writes proto/kite/<group>/v1/services.proto: one <Kind>Service per kind with the uniform
// verbs of the public contract (Create/Get/List/Update/UpdateStatus/Patch/Delete/Watch and the
// subresources Kubernetes has). The kinds' messages live in the hand-written types protos.
// Run by `npm run gen`; the output is committed so the API can be read without running it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const groups = [
  {
    pkg: 'kite.core.v1', dir: 'core', imports: ['kite/core/v1/types.proto'],
    kinds: [
      { kind: 'Namespace', plural: 'Namespaces', namespaced: false, status: true },
      { kind: 'Node', plural: 'Nodes', namespaced: false, status: true },
      { kind: 'Pod', plural: 'Pods', namespaced: true, status: true, bind: true, streams: true },
      { kind: 'Service', plural: 'Services', namespaced: true, status: true },
      { kind: 'Endpoints', plural: 'Endpoints', namespaced: true, status: false },
      { kind: 'Event', plural: 'Events', namespaced: true, status: false },
      { kind: 'ResourceQuota', plural: 'ResourceQuotas', namespaced: true, status: true },
      { kind: 'LimitRange', plural: 'LimitRanges', namespaced: true, status: false },
    ],
  },
  {
    pkg: 'kite.coordination.v1', dir: 'coordination', imports: ['kite/coordination/v1/lease.proto'],
    kinds: [{ kind: 'Lease', plural: 'Leases', namespaced: true, status: false }],
  },
  {
    pkg: 'kite.apps.v1', dir: 'apps', imports: ['kite/apps/v1/types.proto'],
    kinds: [
      { kind: 'ReplicaSet', plural: 'ReplicaSets', namespaced: true, status: true, scale: true },
      { kind: 'Deployment', plural: 'Deployments', namespaced: true, status: true, scale: true },
    ],
  },
  {
    pkg: 'kite.rbac.v1', dir: 'rbac', imports: ['kite/rbac/v1/types.proto'],
    kinds: [
      { kind: 'Role', plural: 'Roles', namespaced: true, status: false },
      { kind: 'ClusterRole', plural: 'ClusterRoles', namespaced: false, status: false },
      { kind: 'RoleBinding', plural: 'RoleBindings', namespaced: true, status: false },
      { kind: 'ClusterRoleBinding', plural: 'ClusterRoleBindings', namespaced: false, status: false },
    ],
  },
];

const snake = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function kindProto({ kind, plural, namespaced, status, bind, scale, streams }) {
  const field = snake(kind);
  const ns = namespaced ? '  string namespace = 1;\n' : '';
  const rpcs = [];
  const msgs = [];
  const rpc = (name, req, res, comment) => rpcs.push(`  // ${comment}\n  rpc ${name}(${req}) returns (${res});`);

  rpc(`Create${kind}`, `Create${kind}Request`, kind, `Creates a ${kind}; ALREADY_EXISTS if the name is taken.`);
  msgs.push(`message Create${kind}Request {\n${ns}  ${kind} ${field} = 2;\n  repeated string dry_run = 3;\n}`);

  rpc(`Get${kind}`, `Get${kind}Request`, kind, `Returns one ${kind}; NOT_FOUND if absent.`);
  msgs.push(`message Get${kind}Request {\n${ns}  string name = 2;\n  string resource_version = 3;\n}`);

  rpc(`List${plural}`, `List${plural}Request`, `${kind}List`, `Lists ${plural} matching the selectors, consistently paginated with limit/continue.`);
  msgs.push(`message List${plural}Request {\n${ns}  string label_selector = 2;\n  string field_selector = 3;\n  string resource_version = 4;\n  string resource_version_match = 5;\n  int64 limit = 6;\n  string continue = 7;\n}`);

  rpc(`Update${kind}`, `Update${kind}Request`, kind, `Replaces a ${kind}'s spec and metadata; ABORTED on a stale resourceVersion.`);
  msgs.push(`message Update${kind}Request {\n  ${kind} ${field} = 1;\n  repeated string dry_run = 2;\n}`);

  if (status) {
    rpc(`Update${kind}Status`, `Update${kind}StatusRequest`, kind, `Replaces a ${kind}'s status (the status subresource).`);
    msgs.push(`message Update${kind}StatusRequest {\n  ${kind} ${field} = 1;\n}`);
  }

  rpc(`Patch${kind}`, `Patch${kind}Request`, kind, `Applies a JSON merge patch (application/merge-patch+json) or JSON patch (application/json-patch+json).`);
  msgs.push(`message Patch${kind}Request {\n${ns}  string name = 2;\n  string patch_type = 3;\n  string patch = 4;\n  repeated string dry_run = 5;\n  string subresource = 6;\n}`);

  rpc(`Delete${kind}`, `Delete${kind}Request`, kind, `Deletes a ${kind}, honouring finalizers and the propagation policy; returns its last state.`);
  msgs.push(`message Delete${kind}Request {\n${ns}  string name = 2;\n  optional int64 grace_period_seconds = 3;\n  kite.meta.v1.Preconditions preconditions = 4;\n  string propagation_policy = 5;\n  repeated string dry_run = 6;\n}`);

  rpc(`Watch${plural}`, `Watch${plural}Request`, `stream ${kind}WatchEvent`, `Streams changes from resource_version (or from now): ADDED, MODIFIED, DELETED, BOOKMARK.`);
  msgs.push(`message Watch${plural}Request {\n${ns}  string label_selector = 2;\n  string field_selector = 3;\n  string resource_version = 4;\n  bool allow_watch_bookmarks = 5;\n  optional int64 timeout_seconds = 6;\n  bool send_initial_events = 7;\n}`);
  msgs.push(`message ${kind}WatchEvent {\n  string type = 1;\n  ${kind} object = 2;\n}`);

  if (bind) {
    rpc(`Bind${kind}`, `Bind${kind}Request`, kind, `Binds a pod to a node (the pods/binding subresource); fails if it is already bound.`);
    msgs.push(`message Bind${kind}Request {\n  string namespace = 1;\n  string name = 2;\n  ObjectReference target = 3;\n  string uid = 4;\n}`);
  }
  if (streams) {
    // pods/log and pods/exec: the apiserver proxies these streams to the pod's kubelet. Field
    // numbers equal kite.kubelet.v1's ContainerLogsRequest/LogChunk/ExecRequest/ExecResponse, so
    // messages pass through unchanged.
    rpcs.push(`  // Streams a container's log from the pod's kubelet (kubectl logs).\n  rpc ${kind}Logs(${kind}LogsRequest) returns (stream ${kind}LogChunk);`);
    rpcs.push(`  // Runs a command in a container through the pod's kubelet (kubectl exec); the last response carries the exit code.\n  rpc Exec${kind}(stream Exec${kind}Request) returns (stream Exec${kind}Response);`);
    msgs.push(`message ${kind}LogsRequest {\n  string namespace = 1;\n  string pod_name = 2;\n  string pod_uid = 3;\n  string container = 4;\n  bool follow = 5;\n  bool previous = 6;\n  optional int64 tail_lines = 7;\n  bool timestamps = 8;\n  optional int64 since_seconds = 9;\n  string since_time = 10;\n  optional int64 limit_bytes = 11;\n}`);
    msgs.push(`message ${kind}LogChunk {\n  bytes content = 1;\n  string stream = 2;\n}`);
    msgs.push(`message Exec${kind}Request {\n  Exec${kind}Start start = 1;\n  bytes stdin = 2;\n  bool stdin_close = 3;\n  TerminalSize resize = 4;\n}`);
    msgs.push(`message Exec${kind}Start {\n  string namespace = 1;\n  string pod_name = 2;\n  string pod_uid = 3;\n  string container = 4;\n  repeated string command = 5;\n  bool stdin = 6;\n  bool tty = 7;\n  TerminalSize size = 8;\n}`);
    msgs.push(`message TerminalSize {\n  uint32 width = 1;\n  uint32 height = 2;\n}`);
    msgs.push(`message Exec${kind}Response {\n  bytes stdout = 1;\n  bytes stderr = 2;\n  optional int32 exit_code = 3;\n}`);
  }
  if (scale) {
    rpc(`Get${kind}Scale`, `Get${kind}ScaleRequest`, 'kite.meta.v1.Scale', `Reads the scale subresource.`);
    msgs.push(`message Get${kind}ScaleRequest {\n  string namespace = 1;\n  string name = 2;\n}`);
    rpc(`Update${kind}Scale`, `Update${kind}ScaleRequest`, 'kite.meta.v1.Scale', `Sets spec.replicas through the scale subresource.`);
    msgs.push(`message Update${kind}ScaleRequest {\n  string namespace = 1;\n  string name = 2;\n  kite.meta.v1.Scale scale = 3;\n}`);
  }

  return `// ${kind}Service: the ${plural} resource.\nservice ${kind}Service {\n${rpcs.join('\n')}\n}\n\n${msgs.join('\n\n')}\n`;
}

for (const g of groups) {
  const imports = [...g.imports, 'kite/meta/v1/meta.proto'].sort().map((i) => `import "${i}";`).join('\n');
  const body = g.kinds.map(kindProto).join('\n');
  const text = `// Code generated by scripts/gen-service-protos.mjs (npm run gen). DO NOT EDIT.\nsyntax = "proto3";\n\npackage ${g.pkg};\n\n${imports}\n\n${body}`;
  writeFileSync(join('proto', 'kite', g.dir, 'v1', 'services.proto'), text);
}
