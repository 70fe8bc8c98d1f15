// The REST operations of every resource as Kubernetes' OpenAPI lists them (operationIds like
// listCoreV1NamespacedPod, x-kubernetes-action, x-kubernetes-group-version-kind, the query
// parameters of each verb), from the discovery model, so kubectl finds what it looks for: the
// fieldValidation parameter on PATCH tells it the server validates fields itself
// (cli-runtime's QueryParamVerifierV3).
import type { DiscoveredGroupVersion, DiscoveredResource, SubresourceModel, GroupVersionKind } from '../discovery/resources';
import { META } from './kubernetes-types';

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  operationId: string;
  description: string;
  action: string;
  gvk: GroupVersionKind;
  parameters: Parameter[];
  /** The definition of the request body, if any. */
  body?: string;
  /** The definition of the 200 response, or "string" for text (logs, exec). */
  response: string;
  /** Create answers 201 and 202 as well. */
  created?: boolean;
  patch?: boolean;
  tag: string;
}

export interface PathItem {
  path: string;
  parameters: Parameter[];
  operations: Operation[];
}

const q = (name: string, type: Parameter['type'], description: string): Parameter => ({ name, in: 'query', type, description });

const PRETTY = q('pretty', 'string', "If 'true', then the output is pretty printed.");
const DRY_RUN = q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = q(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
);
const FORCE = q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.');
const LIST = [
  q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
];
const DELETE = [
  DRY_RUN,
  q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
  q('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
];
const WRITE = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const LOG = [
  q('container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'),
  q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
  q('limitBytes', 'integer', 'If set, the number of bytes to read from the server before terminating the log output.'),
  q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
  q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'),
  q('tailLines', 'integer', 'If set, the number of lines from the end of the logs to show.'),
  q('timestamps', 'boolean', 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.'),
];
const EXEC = [
  q('command', 'string', 'Command is the remote command to execute. argv array. Not executed within a shell.'),
  q('container', 'string', 'Container in which to execute the command. Defaults to only container if there is only one container in the pod.'),
  q('stderr', 'boolean', 'Redirect the standard error stream of the pod for this call.'),
  q('stdin', 'boolean', 'Redirect the standard input stream of the pod for this call. Defaults to false.'),
  q('stdout', 'boolean', 'Redirect the standard output stream of the pod for this call.'),
  q('tty', 'boolean', 'TTY if true indicates that a tty will be allocated for the exec call. Defaults to false.'),
];

/** PodAttachOptions: exec's query without a command. */
const ATTACH = [
  q('container', 'string', 'The container in which to execute the command. Defaults to only container if there is only one container in the pod.'),
  q('stderr', 'boolean', 'Stderr if true indicates that stderr is to be redirected for the attach call. Defaults to true.'),
  q('stdin', 'boolean', 'Stdin if true, redirects the standard input stream of the pod for this call. Defaults to false.'),
  q('stdout', 'boolean', 'Stdout if true indicates that stdout is to be redirected for the attach call. Defaults to true.'),
  q('tty', 'boolean', 'TTY if true indicates that a tty will be allocated for the attach call. This is passed through the container runtime so the tty is allocated on the worker node by the container runtime. Defaults to false.'),
];

/** PodPortForwardOptions. */
const PORT_FORWARD = [q('ports', 'integer', 'List of ports to forward Required when using WebSockets')];

const NAME = (what: string): Parameter => ({ name: 'name', in: 'path', type: 'string', description: `name of the ${what}`, required: true });
const NAMESPACE: Parameter = { name: 'namespace', in: 'path', type: 'string', description: 'object name and auth scope, such as for teams and projects', required: true };

/** "Core", "Apps", "RbacAuthorization", "Coordination": the group as operationIds spell it. */
export function groupWord(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('');
}

/** "core_v1", "apps_v1", "rbacAuthorization_v1": the operations' tag. */
function tagOf(gv: DiscoveredGroupVersion): string {
  const w = groupWord(gv.group);
  return `${w.charAt(0).toLowerCase()}${w.slice(1)}_${gv.version}`;
}

function definitionOf(k: GroupVersionKind, byKind: Map<string, string>): string {
  // A version served by conversion has its own definitions ("autoscaling/v1/HorizontalPodAutoscaler").
  return byKind.get(`${k.group}/${k.version}/${k.kind}`) ?? byKind.get(`${k.group}/${k.kind}`) ?? `io.k8s.api.${k.group ? k.group.replace(/\.k8s\.io$/, '').split('.')[0] : 'core'}.${k.version}.${k.kind}`;
}

/** The path items of one resource: collection, item, all-namespaces list and subresources. */
export function resourcePaths(gv: DiscoveredGroupVersion, r: DiscoveredResource, byKind: Map<string, string>): PathItem[] {
  const prefix = gv.group ? `/apis/${gv.groupVersion}` : `/api/${gv.version}`;
  const ns = r.namespaced ? 'Namespaced' : '';
  const id = `${groupWord(gv.group)}${gv.version.charAt(0).toUpperCase()}${gv.version.slice(1)}`;
  const gvk = { group: gv.group, version: gv.version, kind: r.kind };
  const def = definitionOf(gvk, byKind);
  const listDef = definitionOf({ ...gvk, kind: `${r.kind}List` }, byKind);
  const tag = tagOf(gv);
  const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}` : `${prefix}/${r.resource}`;
  const scope = r.namespaced ? [NAMESPACE] : [];
  const has = (v: string) => r.verbs.includes(v);
  const op = (o: Omit<Operation, 'gvk' | 'tag'> & { gvk?: GroupVersionKind }): Operation => ({ gvk, tag, ...o });

  const collection: Operation[] = [];
  if (has('list')) collection.push(op({ method: 'get', operationId: `list${id}${ns}${r.kind}`, description: `list or watch objects of kind ${r.kind}`, action: 'list', parameters: LIST, response: listDef }));
  if (has('create')) collection.push(op({ method: 'post', operationId: `create${id}${ns}${r.kind}`, description: `create a ${r.kind}`, action: 'post', parameters: WRITE, body: def, response: def, created: true }));
  if (has('deletecollection'))
    collection.push(op({ method: 'delete', operationId: `delete${id}Collection${ns}${r.kind}`, description: `delete collection of ${r.kind}`, action: 'deletecollection', parameters: [...LIST, ...DELETE], body: `${META}.DeleteOptions`, response: `${META}.Status` }));

  const item: Operation[] = [];
  if (has('get')) item.push(op({ method: 'get', operationId: `read${id}${ns}${r.kind}`, description: `read the specified ${r.kind}`, action: 'get', parameters: [], response: def }));
  if (has('update')) item.push(op({ method: 'put', operationId: `replace${id}${ns}${r.kind}`, description: `replace the specified ${r.kind}`, action: 'put', parameters: WRITE, body: def, response: def, created: true }));
  if (has('patch'))
    item.push(op({ method: 'patch', operationId: `patch${id}${ns}${r.kind}`, description: `partially update the specified ${r.kind}`, action: 'patch', parameters: [...WRITE, FORCE], body: `${META}.Patch`, response: def, created: true, patch: true }));
  if (has('delete')) item.push(op({ method: 'delete', operationId: `delete${id}${ns}${r.kind}`, description: `delete a ${r.kind}`, action: 'delete', parameters: DELETE, body: `${META}.DeleteOptions`, response: `${META}.Status` }));

  const items: PathItem[] = [
    { path: base, parameters: [...scope, PRETTY], operations: collection },
    { path: `${base}/{name}`, parameters: [NAME(r.kind), ...scope, PRETTY], operations: item },
  ];
  if (r.namespaced && has('list'))
    items.push({ path: `${prefix}/${r.resource}`, parameters: [PRETTY], operations: [op({ method: 'get', operationId: `list${id}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, action: 'list', parameters: LIST, response: listDef })] });
  for (const s of r.subresources) items.push(subresourcePath(s, r, `${base}/{name}/${s.name}`, scope, id, ns, gvk, tag, byKind));
  return items.filter((p) => p.operations.length > 0);
}

function subresourcePath(s: SubresourceModel, r: DiscoveredResource, path: string, scope: Parameter[], id: string, ns: string, gvk: GroupVersionKind, tag: string, byKind: Map<string, string>): PathItem {
  const word = s.name.charAt(0).toUpperCase() + s.name.slice(1);
  const def = definitionOf(s.responseKind, byKind);
  const k = s.responseKind;
  const base = { gvk: k, tag };
  const ops: Operation[] = [];
  const name = `${ns}${r.kind}${word}`;
  if (s.name === 'log') ops.push({ ...base, gvk, method: 'get', operationId: `read${id}${name}`, description: `read log of the specified ${r.kind}`, action: 'get', parameters: LOG, response: 'string' });
  else if (s.name === 'exec' || s.name === 'attach' || s.name === 'portforward') {
    const parameters = s.name === 'exec' ? EXEC : s.name === 'attach' ? ATTACH : PORT_FORWARD;
    for (const method of ['get', 'post'] as const)
      ops.push({ ...base, method, operationId: `connect${id}${method === 'get' ? 'Get' : 'Post'}${name}`, description: `connect ${method.toUpperCase()} requests to ${s.name} of ${r.kind}`, action: 'connect', parameters, response: 'string' });
  } else {
    if (s.verbs.includes('get')) ops.push({ ...base, method: 'get', operationId: `read${id}${name}`, description: `read ${s.name} of the specified ${r.kind}`, action: 'get', parameters: [], response: def });
    if (s.verbs.includes('update')) ops.push({ ...base, method: 'put', operationId: `replace${id}${name}`, description: `replace ${s.name} of the specified ${r.kind}`, action: 'put', parameters: WRITE, body: def, response: def, created: true });
    if (s.verbs.includes('patch'))
      ops.push({ ...base, method: 'patch', operationId: `patch${id}${name}`, description: `partially update ${s.name} of the specified ${r.kind}`, action: 'patch', parameters: [...WRITE, FORCE], body: `${META}.Patch`, response: def, created: true, patch: true });
    if (s.verbs.includes('create')) ops.push({ ...base, method: 'post', operationId: `create${id}${name}`, description: `create ${s.name} of a ${r.kind}`, action: 'post', parameters: WRITE, body: def, response: def, created: true });
  }
  return { path, parameters: [NAME(s.responseKind.kind), ...scope, PRETTY], operations: ops };
}

export function groupVersionPaths(gv: DiscoveredGroupVersion, byKind: Map<string, string>): PathItem[] {
  return gv.resources.flatMap((r) => resourcePaths(gv, r, byKind));
}
