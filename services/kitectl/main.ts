// kitectl: Kite's kubectl. This file only declares verbs and flags; each verb's module is
// loaded when that verb runs, so start-up stays fast (no gRPC or generated code for `version
// --client`, `config`, or `--help`).
import { Command, CommanderError, Option } from 'commander';
import { Cli, type GlobalOptions, type Io } from './cli-context';
import { CliError, ReportedError, formatError } from './cli-errors';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** kubectl's bool flags accept "--flag", "--flag=true" and "--flag=false". */
function parseBool(flag: string) {
  return (v: string | boolean | undefined): boolean => {
    if (v === undefined || v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new CommanderError(1, 'kitectl.invalidBool', `error: invalid argument "${v}" for "--${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
  };
}

function buildProgram(io: Io, run: (fn: (cli: Cli) => Promise<void> | void) => Promise<void>): Command {
  const program = new Command('kitectl')
    .description('kitectl controls the Kite cluster manager (Kite\'s kubectl).')
    .option('-s, --server <address>', 'the address and port of the Kite apiserver')
    .option('--kubeconfig <file>', 'path to the kitectl config file (default $KITECONFIG or ~/.kite/config)')
    .option('-n, --namespace <namespace>', 'the namespace scope for this request')
    .option('--request-timeout <duration>', 'how long to wait for a single server request (e.g. 30s)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showSuggestionAfterError(true);

  program
    .command('apply')
    .description('Apply a configuration to a resource by file name or stdin')
    .option('-f, --filename <file>', 'file, directory or - for stdin (repeatable)', collect)
    .option('-R, --recursive', 'process the directory used in -f recursively')
    .option('--server-side', 'the apiserver merges the configuration (server-side apply) instead of kitectl')
    .option('--force-conflicts', 'with --server-side, take over fields other field managers own instead of failing')
    .option('--field-manager <name>', 'the name of the manager that owns the applied fields (with --server-side)', 'kitectl')
    .action((o) =>
      run((cli) =>
        (require('./apply') as typeof import('./apply')).apply(cli, {
          filename: o.filename ?? [],
          recursive: o.recursive,
          serverSide: o.serverSide,
          forceConflicts: o.forceConflicts,
          fieldManager: o.fieldManager,
        }),
      ),
    );

  const create = program
    .command('create')
    .description('Create a resource from a file or from stdin')
    .option('-f, --filename <file>', 'file, directory or - for stdin (repeatable)', collect)
    .option('-R, --recursive', 'process the directory used in -f recursively')
    .action((o) => run((cli) => (require('./create') as typeof import('./create')).createFromFiles(cli, o.filename ?? [], Boolean(o.recursive))));
  const creator = () => require('./create') as typeof import('./create');
  const sources = () => require('./create-sources') as typeof import('./create-sources');
  /** kubectl's generators take exactly one NAME. */
  const oneName = (names: string[], use: string): string => {
    if (names.length !== 1) throw new CliError(`exactly one NAME is required, got ${names.length}\nSee 'kitectl create ${use} -h' for help and examples`);
    return names[0];
  };
  /** --dry-run and -o, which every generator takes. */
  const generator = (c: Command) =>
    c
      .addOption(new Option('--dry-run [strategy]', 'none, server, or client (client: only print the object that would be sent)').preset('client'))
      .option('-o, --output <format>', 'json|yaml|name|jsonpath=...')
      .option('--save-config', 'save the object in its last-applied-configuration annotation (for a later apply)');
  const flagsOf = (o: { dryRun?: string; output?: string; saveConfig?: boolean }) => ({ dryRun: o.dryRun, output: o.output, saveConfig: o.saveConfig });
  const dataSources = (o: { fromLiteral?: string[]; fromFile?: string[]; fromEnvFile?: string[] }) => ({
    fromLiteral: o.fromLiteral ?? [],
    fromFile: sources().splitSliceFlag(o.fromFile ?? []),
    fromEnvFile: sources().splitSliceFlag(o.fromEnvFile ?? []),
  });
  const withSources = (c: Command, what: string) =>
    c
      .option('--from-literal <key=value>', `a key and literal value to insert in the ${what} (repeatable)`, collect)
      .option('--from-file <[key=]source>', 'a file (key: its base name, or the given key) or a directory (each regular file in it) (repeatable)', collect)
      .option('--from-env-file <file>', 'a file of KEY=VALUE lines (a bare KEY takes its value from the environment) (repeatable)', collect)
      .option('--append-hash', `append a hash of the ${what} to its name`);

  generator(create.command('namespace').alias('ns').description('Create a namespace with the specified name').argument('[name...]')).action((names: string[], o) =>
    run((cli) => creator().createNamespace(cli, oneName(names, 'namespace'), flagsOf(o))),
  );
  generator(
    create
      .command('deployment')
      .alias('deploy')
      .description('Create a deployment with the specified name')
      .argument('[name...]')
      .option('--image <image>', 'image name (repeatable)', collect)
      .option('-r, --replicas <n>', 'number of replicas', '1')
      .option('--port <port>', 'the container port to expose'),
  ).action((names: string[], o) =>
    run((cli) => creator().createDeployment(cli, oneName(names, 'deployment'), { image: o.image ?? [], replicas: o.replicas, port: o.port }, flagsOf(o))),
  );
  const batch = () => require('./create-batch') as typeof import('./create-batch');
  generator(
    create
      .command('cronjob')
      .alias('cj')
      .description('Create a cron job with the specified name')
      .argument('[name]')
      .argument('[command...]')
      .option('--image <image>', 'image name to run')
      .option('--schedule <schedule>', 'a schedule in the Cron format the job should be run with')
      .option('--restart <policy>', "job's restart policy: OnFailure or Never", 'OnFailure'),
  ).action((name: string | undefined, command: string[], o) =>
    run((cli) => batch().createCronJob(cli, oneName(name ? [name] : [], 'cronjob'), { image: o.image, schedule: o.schedule, restart: o.restart, command }, flagsOf(o))),
  );
  generator(
    create
      .command('job')
      .description('Create a job with the specified name')
      .argument('[name]')
      .argument('[command...]')
      .option('--image <image>', 'image name to run')
      .option('--from <resource>', 'the name of the resource to create a Job from (only cronjob is supported)'),
  ).action((name: string | undefined, command: string[], o) =>
    run((cli) => batch().createJob(cli, oneName(name ? [name] : [], 'job'), { image: o.image, from: o.from, command }, flagsOf(o))),
  );
  withSources(generator(create.command('configmap').alias('cm').description('Create a config map from a local file, directory or literal value').argument('[name...]')), 'configmap').action(
    (names: string[], o) => run((cli) => creator().createConfigMap(cli, oneName(names, 'configmap'), { ...dataSources(o), appendHash: o.appendHash }, flagsOf(o))),
  );
  const secret = create.command('secret').description('Create a secret (docker-registry, generic or tls)');
  withSources(generator(secret.command('generic').description('Create a secret from a local file, directory, or literal value').argument('[name...]')), 'secret')
    .option('--type <type>', 'the type of secret to create')
    .action((names: string[], o) =>
      run((cli) => creator().createGenericSecret(cli, oneName(names, 'secret generic'), { ...dataSources(o), type: o.type, appendHash: o.appendHash }, flagsOf(o))),
    );
  generator(secret.command('tls').description('Create a TLS secret').argument('[name...]'))
    .option('--cert <file>', 'path to PEM encoded public key certificate')
    .option('--key <file>', 'path to private key associated with given certificate')
    .option('--append-hash', 'append a hash of the secret to its name')
    .action((names: string[], o) => run((cli) => creator().createTLSSecret(cli, oneName(names, 'secret tls'), { cert: o.cert, key: o.key, appendHash: o.appendHash }, flagsOf(o))));
  generator(secret.command('docker-registry').description('Create a secret for use with a Docker registry').argument('[name...]'))
    .option('--docker-server <server>', 'server location for Docker registry', 'https://index.docker.io/v1/')
    .option('--docker-username <user>', 'username for Docker registry authentication')
    .option('--docker-password <password>', 'password for Docker registry authentication')
    .option('--docker-email <email>', 'email for Docker registry')
    .option('--from-file <[key=]source>', 'a .dockerconfigjson file (or key=path) (repeatable)', collect)
    .option('--append-hash', 'append a hash of the secret to its name')
    .action((names: string[], o) =>
      run((cli) =>
        creator().createDockerRegistrySecret(
          cli,
          oneName(names, 'secret docker-registry'),
          {
            dockerServer: o.dockerServer,
            dockerUsername: o.dockerUsername,
            dockerPassword: o.dockerPassword,
            dockerEmail: o.dockerEmail,
            fromFile: sources().splitSliceFlag(o.fromFile ?? []),
            appendHash: o.appendHash,
          },
          flagsOf(o),
        ),
      ),
    );
  generator(create.command('serviceaccount').alias('sa').description('Create a service account with the specified name').argument('[name...]')).action((names: string[], o) =>
    run((cli) => creator().createServiceAccount(cli, oneName(names, 'serviceaccount'), flagsOf(o))),
  );
  create
    .command('token')
    .description('Request a service account token')
    .argument('[serviceaccount...]')
    .option('--audience <audience>', 'audience of the requested token (repeatable; default: the apiserver)', collect)
    .option('--duration <duration>', 'requested lifetime of the token (0: the server decides)')
    .option('--bound-object-kind <kind>', 'kind of an object to bind the token to (Node, Pod, Secret)')
    .option('--bound-object-name <name>', 'name of the object to bind the token to')
    .option('--bound-object-uid <uid>', 'UID of the object to bind the token to (default: the existing object\'s)')
    .option('-o, --output <format>', 'json|yaml|name|jsonpath=... (default: the token only)')
    .action((names: string[], o) =>
      run((cli) =>
        (require('./create-token') as typeof import('./create-token')).createToken(cli, oneName(names, 'token'), {
          audience: o.audience,
          duration: o.duration,
          boundObjectKind: o.boundObjectKind,
          boundObjectName: o.boundObjectName,
          boundObjectUid: o.boundObjectUid,
          output: o.output,
        }),
      ),
    );

  program
    .command('run')
    .description('Create and run a particular image in a pod')
    .argument('[name]')
    .argument('[args...]', 'after --: the container\'s arguments (its command with --command)')
    .option('--image <image>', 'the image for the container to run')
    .option('--port <port>', 'the port that this container exposes')
    .option('--expose', 'also create a ClusterIP service associated with the pod (requires --port)')
    .option('-l, --labels <labels>', 'comma separated labels to apply to the pod (default: run=NAME)')
    .option('--env <KEY=VALUE>', 'environment variables to set in the container (repeatable)', collect)
    .option('--annotations <KEY=VALUE>', 'annotations to apply to the pod (repeatable)', collect)
    .option('--restart <policy>', 'the restart policy for this pod: Always, OnFailure, Never')
    .option('--command', 'use the extra arguments as the container\'s command instead of its args')
    .option('--image-pull-policy <policy>', 'the image pull policy for the container (default: the server\'s)')
    .option('--privileged', 'run the container in privileged mode')
    .option('--overrides <json>', 'a JSON merge patch over the generated pod')
    .option('-i, --stdin', 'keep stdin open on the container (and attach, unless --attach=false)')
    .option('-t, --tty', 'allocate a TTY for the container')
    .addOption(new Option('--attach [bool]', 'wait for the pod to run, then attach to it (default: with -i)').argParser(parseBool('attach')))
    .option('--rm', 'delete the pod (and service) after attaching ends')
    .option('-q, --quiet', 'suppress prompt messages')
    .option('--leave-stdin-open', "leave the container's stdin open after the first attach")
    .option('--pod-running-timeout <duration>', 'how long to wait for the pod to run before attaching', '1m')
    .addOption(new Option('--dry-run [strategy]', 'none, server, or client (client: only print the objects that would be sent)').preset('client'))
    .option('-o, --output <format>', 'json|yaml|name|jsonpath=...')
    .option('--save-config', 'save the objects in their last-applied-configuration annotation')
    .action((name: string | undefined, args: string[], o) =>
      run((cli) =>
        (require('./run') as typeof import('./run')).runCmd(cli, name === undefined ? [] : [name, ...args], {
          image: o.image,
          port: o.port,
          expose: o.expose,
          labels: o.labels,
          env: o.env ?? [],
          annotations: o.annotations ?? [],
          restart: o.restart,
          command: o.command,
          imagePullPolicy: o.imagePullPolicy,
          privileged: o.privileged,
          overrides: o.overrides,
          stdin: o.stdin,
          tty: o.tty,
          attach: o.attach,
          rm: o.rm,
          quiet: o.quiet,
          leaveStdinOpen: o.leaveStdinOpen,
          podRunningTimeout: o.podRunningTimeout,
          dryRun: o.dryRun,
          output: o.output,
          saveConfig: o.saveConfig,
        }),
      ),
    );

  program
    .command('expose')
    .description('Take a deployment, replica set, service or pod and expose it as a new Kubernetes service')
    .argument('[resource...]', 'TYPE NAME or TYPE/NAME')
    .option('--port <port>', 'the port the service serves on (default: the exposed object\'s ports)')
    .option('--target-port <port>', 'name or number of the container port the service directs traffic to')
    .option('--name <name>', 'the name of the service (default: the object\'s)')
    .option('--type <type>', 'ClusterIP, NodePort, LoadBalancer or ExternalName (default: ClusterIP)')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP (default: the object\'s, else TCP)')
    .option('--selector <selector>', 'equality-based label selector (default: the object\'s)')
    .option('-l, --labels <labels>', 'labels of the service (default: the object\'s)')
    .option('--cluster-ip <ip>', 'the cluster IP (None: a headless service)')
    .option('--external-ip <ip>', 'an external IP the service also accepts traffic on')
    .option('--load-balancer-ip <ip>', 'the IP of a LoadBalancer service')
    .option('--session-affinity <affinity>', 'None or ClientIP')
    .option('--overrides <json>', 'a JSON merge patch over the generated service')
    .addOption(new Option('--dry-run [strategy]', 'none, server, or client (client: only print the object that would be sent)').preset('client'))
    .option('-o, --output <format>', 'json|yaml|name|jsonpath=...')
    .option('--save-config', 'save the object in its last-applied-configuration annotation')
    .action((args: string[], o) => run((cli) => (require('./expose') as typeof import('./expose')).expose(cli, args, o)));

  program
    .command('get')
    .description('Display one or many resources')
    .argument('[resources...]')
    .option('-o, --output <format>', 'json|yaml|wide|name|jsonpath=...')
    .option('-l, --selector <selector>', 'label selector (e.g. -l key1=value1,key2=value2)')
    .option('--field-selector <selector>', 'field selector (e.g. --field-selector spec.nodeName=node-1)')
    .option('-A, --all-namespaces', 'list the requested objects across all namespaces')
    .option('-w, --watch', 'after listing, watch for changes')
    .option('--watch-only', 'watch for changes without listing first')
    .option('--show-labels', 'show all labels as the last column')
    .option('--no-headers', 'do not print headers')
    .option('--show-managed-fields', 'keep metadata.managedFields in -o json and -o yaml output')
    .action((args: string[], o) =>
      run((cli) =>
        (require('./get') as typeof import('./get')).get(cli, args, {
          showManagedFields: o.showManagedFields,
          output: o.output,
          selector: o.selector,
          fieldSelector: o.fieldSelector,
          allNamespaces: o.allNamespaces,
          watch: o.watch,
          watchOnly: o.watchOnly,
          showLabels: o.showLabels,
          noHeaders: o.headers === false,
        }),
      ),
    );

  program
    .command('describe')
    .description('Show details of a specific resource or group of resources')
    .argument('<resources...>')
    .option('-l, --selector <selector>', 'label selector')
    .option('-A, --all-namespaces', 'across all namespaces')
    .action((args: string[], o) => run((cli) => (require('./describe') as typeof import('./describe')).describe(cli, args, { selector: o.selector, allNamespaces: o.allNamespaces })));

  program
    .command('delete')
    .description('Delete resources by file names, stdin, resources and names, or by resources and label selector')
    .argument('[resources...]')
    .option('-f, --filename <file>', 'file, directory or - for stdin (repeatable)', collect)
    .option('-R, --recursive', 'process the directory used in -f recursively')
    .option('-l, --selector <selector>', 'label selector')
    .option('--all', 'delete all resources of the given types in the namespace')
    .option('-A, --all-namespaces', 'across all namespaces')
    .option('--grace-period <seconds>', 'seconds given to the resource to terminate gracefully (-1: its default)')
    .option('--now', 'signal resources for immediate shutdown (same as --grace-period=1)')
    .option('--force', 'immediate deletion (with --grace-period=0)')
    .addOption(new Option('--cascade [strategy]', 'background, foreground or orphan').preset('background'))
    .addOption(new Option('--wait [bool]', 'wait for resources to be gone before returning').argParser(parseBool('wait')).default(true))
    .option('--timeout <duration>', 'how long to wait for deletion (0: no limit)')
    .option('--ignore-not-found', 'treat "resource not found" as a successful delete')
    .action((args: string[], o) =>
      run((cli) =>
        (require('./delete') as typeof import('./delete')).deleteCmd(cli, args, {
          filename: o.filename,
          recursive: o.recursive,
          selector: o.selector,
          all: o.all,
          allNamespaces: o.allNamespaces,
          gracePeriod: o.gracePeriod,
          now: o.now,
          force: o.force,
          cascade: o.cascade,
          wait: o.wait,
          timeout: o.timeout,
          ignoreNotFound: o.ignoreNotFound,
        }),
      ),
    );

  const top = program.command('top').description('Display resource (CPU/memory) usage of nodes or pods (the metrics API)');
  const tp = () => require('./top') as typeof import('./top');
  top
    .command('node')
    .aliases(['nodes', 'no'])
    .argument('[name]')
    .option('-l, --selector <selector>', 'label selector')
    .option('--sort-by <field>', 'sort by cpu or memory')
    .option('--no-headers', 'print no headers')
    .option('--show-capacity', 'percentages of capacity instead of allocatable')
    .action((name: string | undefined, o) => run((cli) => tp().topNode(cli, name, { selector: o.selector, sortBy: o.sortBy, noHeaders: o.headers === false, showCapacity: o.showCapacity })));
  top
    .command('pod')
    .aliases(['pods', 'po'])
    .argument('[name]')
    .option('-A, --all-namespaces', 'across all namespaces')
    .option('-l, --selector <selector>', 'label selector')
    .option('--field-selector <selector>', 'field selector')
    .option('--containers', 'print the usage of each container')
    .option('--sort-by <field>', 'sort by cpu or memory')
    .option('--no-headers', 'print no headers')
    .option('--sum', 'print the sum of the usage')
    .action((name: string | undefined, o) =>
      run((cli) =>
        tp().topPod(cli, name, {
          allNamespaces: o.allNamespaces,
          selector: o.selector,
          fieldSelector: o.fieldSelector,
          containers: o.containers,
          sortBy: o.sortBy,
          noHeaders: o.headers === false,
          sum: o.sum,
        }),
      ),
    );

  program
    .command('scale')
    .description('Set a new size for a deployment, replica set or stateful set')
    .argument('<resource...>')
    .option('--replicas <n>', 'the new desired number of replicas')
    .option('--current-replicas <n>', 'precondition: the current size must be this')
    .action((args: string[], o) => run((cli) => (require('./scale') as typeof import('./scale')).scale(cli, args, { replicas: o.replicas, currentReplicas: o.currentReplicas })));

  program
    .command('autoscale')
    .description('Auto-scale a deployment, replica set or stateful set')
    .argument('[resource...]', 'TYPE NAME or TYPE/NAME')
    .option('--max <n>', 'the upper limit for the number of pods (required)')
    .option('--min <n>', 'the lower limit for the number of pods (default: the server\'s, 1)')
    .option('--cpu-percent <n>', 'the target average CPU utilization, in percent of the requested CPU (default: the server\'s policy)')
    .option('--name <name>', 'the name of the autoscaler (default: the target\'s)')
    .addOption(new Option('--dry-run [strategy]', 'none, server, or client (client: only print the object that would be sent)').preset('client'))
    .option('-o, --output <format>', 'json|yaml|name|jsonpath=...')
    .option('--save-config', 'save the object in its last-applied-configuration annotation')
    .action((args: string[], o) => run((cli) => (require('./autoscale') as typeof import('./autoscale')).autoscale(cli, args, o)));

  const rollout = program.command('rollout').description('Manage the rollout of a deployment, daemon set or stateful set');
  const ro = () => require('./rollout') as typeof import('./rollout');
  rollout
    .command('status')
    .argument('<resource...>')
    .description('Show the status of the rollout')
    .option('--timeout <duration>', 'how long to wait before giving up (0: no limit)')
    .addOption(new Option('-w, --watch [bool]', 'watch the rollout until it finishes').argParser(parseBool('watch')).default(true))
    .action((args: string[], o) => run((cli) => ro().rolloutStatusCmd(cli, args, { timeout: o.timeout, watch: o.watch })));
  rollout
    .command('history')
    .argument('<resource...>')
    .description('View rollout history')
    .option('--revision <n>', 'show the pod template of this revision')
    .action((args: string[], o) => run((cli) => ro().rolloutHistory(cli, args, { revision: o.revision })));
  rollout
    .command('undo')
    .argument('<resource...>')
    .description('Roll back to a previous rollout')
    .option('--to-revision <n>', 'the revision to roll back to (default: the previous one)')
    .action((args: string[], o) => run((cli) => ro().rolloutUndo(cli, args, { toRevision: o.toRevision })));
  rollout
    .command('restart')
    .argument('<resource...>')
    .description('Restart a deployment (new rollout with the same template)')
    .action((args: string[]) => run((cli) => ro().rolloutRestart(cli, args)));
  rollout
    .command('pause')
    .argument('<resource...>')
    .description('Mark the deployment as paused')
    .action((args: string[]) => run((cli) => ro().rolloutPause(cli, args, true)));
  rollout
    .command('resume')
    .argument('<resource...>')
    .description('Resume a paused deployment')
    .action((args: string[]) => run((cli) => ro().rolloutPause(cli, args, false)));

  const nodes = () => require('./node-maintenance') as typeof import('./node-maintenance');
  program
    .command('cordon')
    .argument('<node>')
    .description('Mark node as unschedulable')
    .action((name: string) => run((cli) => nodes().cordon(cli, name)));
  program
    .command('uncordon')
    .argument('<node>')
    .description('Mark node as schedulable')
    .action((name: string) => run((cli) => nodes().uncordon(cli, name)));
  program
    .command('drain')
    .argument('<node>')
    .description('Drain node in preparation for maintenance')
    .option('--force', 'also delete pods that no controller manages')
    .option('--ignore-daemonsets', 'ignore DaemonSet-managed pods')
    .option('--delete-emptydir-data', 'continue even if there are pods using emptyDir')
    .option('--grace-period <seconds>', 'grace period for each pod (-1: its own)')
    .option('--timeout <duration>', 'how long to wait before giving up (0: no limit)')
    .option('--disable-eviction', 'delete pods instead of evicting them, bypassing disruption budgets')
    .option('--pod-selector <selector>', 'label selector to filter pods on the node')
    .addOption(new Option('--dry-run [strategy]', 'none, server, or client (client: only print what would be done)').preset('client'))
    .action((name: string, o) => run((cli) => nodes().drain(cli, name, o)));

  for (const [verb, field] of [['label', 'labels'], ['annotate', 'annotations']] as const) {
    program
      .command(verb)
      .argument('<args...>', 'TYPE NAME KEY=VALUE ... KEY-')
      .description(`Update the ${field} on a resource`)
      .option('--overwrite', 'allow existing values to be overwritten')
      .option('-l, --selector <selector>', 'label selector')
      .option('--all', 'every resource of the type in the namespace')
      .action((args: string[], o) => run((cli) => (require('./label') as typeof import('./label')).labelCmd(cli, field, args, o)));
  }

  program
    .command('version')
    .description('Print the client version and the server address')
    .option('--client', 'client version only (no server needed)')
    .action((o) => run((cli) => (require('./version') as typeof import('./version')).version(cli, o)));
  program
    .command('api-resources')
    .description('Print the supported API resources')
    .option('--namespaced <bool>', 'only namespaced (true) or cluster-scoped (false) resources')
    .option('-o, --output <format>', 'name|wide')
    .option('--no-headers', 'do not print headers')
    .action((o) => run((cli) => (require('./api-resources') as typeof import('./api-resources')).apiResources(cli, { namespaced: o.namespaced, output: o.output, noHeaders: o.headers === false })));

  const config = program.command('config').description('Modify kitectl config files');
  const cfg = () => require('./config-cmd') as typeof import('./config-cmd');
  config
    .command('view')
    .description('Display the merged config')
    .option('--raw', 'show certificates and tokens')
    .option('--minify', 'only the current context')
    .option('-o, --output <format>', 'yaml|json')
    .action((o) => run((cli) => cfg().configView(cli, o)));
  config
    .command('current-context')
    .description('Display the current context')
    .action(() => run((cli) => cfg().currentContext(cli)));
  config
    .command('use-context')
    .argument('<name>')
    .description('Set the current context')
    .action((name: string) => run((cli) => cfg().useContext(cli, name)));
  config
    .command('get-contexts')
    .argument('[names...]')
    .description('Describe one or many contexts')
    .option('-o, --output <format>', 'name')
    .option('--no-headers', 'do not print headers')
    .action((names: string[], o) => run((cli) => cfg().getContexts(cli, names, { output: o.output, noHeaders: o.headers === false })));
  config
    .command('set-context')
    .argument('[name]')
    .description('Set a context entry (the namespace comes from -n/--namespace)')
    .option('--current', 'modify the current context')
    .option('--cluster <name>', 'cluster for the context')
    .option('--user <name>', 'user for the context')
    .action((name: string | undefined, o) => run((cli) => cfg().setContext(cli, name, { ...o, namespace: cli.global.namespace })));

  (require('./auth-can-i') as typeof import('./auth-can-i')).registerAuthCommands(program, run);

  program
    .command('wait')
    .description('Wait for a specific condition on one or many resources')
    .argument('<resources...>', 'TYPE/NAME..., TYPE NAME..., or TYPE with -l / --all')
    .option('--for <condition>', 'condition=<type>[=<status>], delete, create, or jsonpath=\'{<path>}\'[=<value>]')
    .option('--timeout <duration>', 'how long to wait before giving up (0: check once, negative: a week)', '30s')
    .option('-l, --selector <selector>', 'the objects of the type matching this label selector')
    .option('--all', 'every object of the type in the namespace')
    .action((resources: string[], o) => run((cli) => (require('./wait') as typeof import('./wait')).waitCmd(cli, resources, o)));

  program
    .command('logs')
    .description("Print the logs for a container in a pod or specified resource")
    .argument('[pod]', 'POD, or TYPE/NAME of a job, deployment, replicaset, statefulset, daemonset or service (its first pod)')
    .option('-l, --selector <selector>', 'the logs of every pod matching this label selector (--tail defaults to 10)')
    .option('--max-log-requests <n>', 'with -l and -f, the most pods followed at once', '5')
    .option('--pod-running-timeout <duration>', "how long to wait for a resource's first pod", '20s')
    .option('-c, --container <name>', 'the container (optional for one-container pods)')
    .option('-f, --follow', 'stream the logs')
    .option('-p, --previous', 'the previous terminated instance of the container')
    .option('--tail <n>', 'lines of recent log to show (-1: all)')
    .option('--timestamps', 'prefix each line with its timestamp')
    .option('--since <duration>', 'only logs newer than this (e.g. 5s, 2m)')
    .action((pod: string, o) =>
      run(async (cli) => {
        const { parseDuration } = require('./cli-context') as typeof import('./cli-context');
        const sinceSeconds = o.since ? Math.ceil(parseDuration(o.since, '--since') / 1000) : undefined;
        const podRunningTimeoutMs = parseDuration(o.podRunningTimeout, '--pod-running-timeout');
        await (require('./logs-exec') as typeof import('./logs-exec')).logs(cli, pod, { ...o, sinceSeconds, podRunningTimeoutMs, maxLogRequests: Number(o.maxLogRequests) });
      }),
    );

  program
    .command('exec')
    .description('Execute a command in a container')
    .argument('<pod>')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-c, --container <name>', 'the container (optional for one-container pods)')
    .option('-i, --stdin', 'pass standard input to the command')
    .option('-t, --tty', 'allocate a terminal')
    .action((pod: string, command: string[], o) => run((cli) => (require('./logs-exec') as typeof import('./logs-exec')).exec(cli, pod, command, o)));

  program
    .command('attach')
    .description('Attach to a running container')
    .argument('<pod>')
    .option('-c, --container <name>', 'the container (default: the kubectl.kubernetes.io/default-container annotation, else the first)')
    .option('-i, --stdin', 'pass standard input to the container (when it was created with stdin)')
    .option('-t, --tty', "stdin is a terminal (the container's own tty setting applies)")
    .option('-q, --quiet', 'only print output from the remote session')
    .action((pod: string, o) => run((cli) => (require('./attach') as typeof import('./attach')).attach(cli, pod, o)));

  program
    .command('port-forward')
    .description('Forward one or more local ports to a pod')
    .argument('<TYPE/NAME>', 'a pod, or a service, deployment or replicaset whose pod is used')
    .argument('<ports...>', '[LOCAL_PORT:]REMOTE_PORT; an empty local port picks a free one')
    .option('--address <addresses>', 'addresses to listen on (comma separated); localhost is 127.0.0.1 and ::1', 'localhost')
    .action((target: string, ports: string[], o) => run((cli) => (require('./port-forward') as typeof import('./port-forward')).portForward(cli, target, ports, o)));

  return program;
}

/** Runs kitectl with the given arguments (without "node kitectl") and returns the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  let cli: Cli | undefined;
  let failure: unknown;
  const program: Command = buildProgram(io, async (fn) => {
    const global = program.opts() as GlobalOptions;
    cli = new Cli(global, io);
    try {
      await fn(cli);
    } catch (e) {
      failure = e;
    }
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    failure = e;
  } finally {
    (cli as Cli | undefined)?.close();
  }
  if (failure === undefined) return 0;
  // `exec` (and `attach`) pass the process' exit code through, as kubectl exec does.
  if (failure instanceof Error && failure.name === 'ExitCode') return (failure as import('./logs-exec').ExitCode).code;
  if (!(failure instanceof ReportedError)) io.err(`${formatError(failure)}\n`);
  return 1;
}

function processIo(): Io {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    signal: controller.signal,
    outIsTerminal: process.stdout.isTTY === true,
  };
}

/** The program entry point (bin/kitectl). */
export function main(): void {
  const io = processIo();
  run(process.argv.slice(2), io).then((code) => {
    const exit = io.signal.aborted && code === 0 ? 130 : code;
    // Let stdout drain before exiting (a pipe may still hold output).
    process.stdout.write('', () => process.exit(exit));
  });
}

if (require.main === module) main();
