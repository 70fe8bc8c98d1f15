// Containers, probes and volumes as `describe` shows them for pods and pod templates.
import type { Container, ContainerState, ContainerStatus, PodTemplateSpec, Probe, Toleration, Volume, VolumeProjection } from '../../../lib/gen/kite/core/v1/types';
import { rfc1123z } from '../../../lib/printers/age';
import { DescribeWriter, writeAnnotations, writeLabels } from './describe-writer';

/** "http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3" */
export function formatProbe(p: Probe): string {
  const tail = `delay=${p.initialDelaySeconds}s timeout=${p.timeoutSeconds || 1}s period=${p.periodSeconds || 10}s #success=${p.successThreshold || 1} #failure=${p.failureThreshold || 3}`;
  if (p.httpGet) {
    const h = p.httpGet;
    return `http-get ${(h.scheme || 'HTTP').toLowerCase()}://${h.host}:${h.port}${h.path || '/'} ${tail}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host}:${p.tcpSocket.port} ${tail}`;
  if (p.exec) return `exec [${p.exec.command.join(' ')}] ${tail}`;
  return `unknown ${tail}`;
}

function writeState(w: DescribeWriter, title: string, state: ContainerState | undefined): void {
  if (state?.running) {
    w.write(2, `${title}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(2, `${title}:\tWaiting\n`);
    if (state.waiting.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
    if (state.waiting.message) w.write(3, `Message:\t${state.waiting.message}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(2, `${title}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(2, `${title}:\tWaiting\n`);
  }
}

function writeResources(w: DescribeWriter, title: string, values: Record<string, string> | undefined): void {
  const keys = Object.keys(values ?? {}).sort();
  if (!keys.length) return;
  w.write(2, `${title}:\n`);
  for (const k of keys) w.write(3, `${k}:\t${values![k]}\n`);
}

/** Inside a pod template the title and container names sit a little deeper, as kubectl prints them. */
export function writeContainers(w: DescribeWriter, title: string, containers: Container[], statuses: ContainerStatus[] | undefined, inTemplate = false): void {
  w.write(0, `${inTemplate ? '  ' : ''}${title}:\n`);
  for (const c of containers) {
    const st = statuses?.find((s) => s.name === c.name);
    w.write(1, `${inTemplate ? ' ' : ''}${c.name}:\n`);
    if (st) w.write(2, `Container ID:\t${st.containerID}\n`);
    w.write(2, `Image:\t${c.image}\n`);
    if (st) w.write(2, `Image ID:\t${st.imageID}\n`);
    const ports = c.ports.map((p) => `${p.containerPort}/${p.protocol || 'TCP'}`);
    const hostPorts = c.ports.map((p) => `${p.hostPort}/${p.protocol || 'TCP'}`);
    if (ports.length <= 1) {
      w.write(2, `Port:\t${ports[0] ?? '<none>'}\n`);
      w.write(2, `Host Port:\t${hostPorts[0] ?? '<none>'}\n`);
    } else {
      w.write(2, `Ports:\t${ports.join(', ')}\n`);
      w.write(2, `Host Ports:\t${hostPorts.join(', ')}\n`);
    }
    if (c.command.length) {
      w.write(2, `Command:\n`);
      for (const s of c.command) w.write(3, `${s}\n`);
    }
    if (c.args.length) {
      w.write(2, `Args:\n`);
      for (const s of c.args) w.write(3, `${s}\n`);
    }
    if (st) {
      writeState(w, 'State', st.state);
      if (st.lastState?.running || st.lastState?.waiting || st.lastState?.terminated) writeState(w, 'Last State', st.lastState);
      w.write(2, `Ready:\t${st.ready ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${st.restartCount}\n`);
    }
    writeResources(w, 'Limits', c.resources?.limits);
    writeResources(w, 'Requests', c.resources?.requests);
    if (c.livenessProbe) w.write(2, `Liveness:\t${formatProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${formatProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${formatProbe(c.startupProbe)}\n`);
    if (!c.env.length) w.write(2, `Environment:\t<none>\n`);
    else {
      w.write(2, `Environment:\n`);
      for (const e of c.env) {
        const from = e.valueFrom?.fieldRef
          ? `(v1:${e.valueFrom.fieldRef.fieldPath})`
          : e.valueFrom?.resourceFieldRef
            ? `${e.valueFrom.resourceFieldRef.resource}`
            : e.valueFrom?.configMapKeyRef
              ? `<set to the key '${e.valueFrom.configMapKeyRef.key}' of config map '${e.valueFrom.configMapKeyRef.name}'>`
              : e.valueFrom?.secretKeyRef
                ? `<set to the key '${e.valueFrom.secretKeyRef.key}' in secret '${e.valueFrom.secretKeyRef.name}'>`
                : e.value;
        w.write(3, `${e.name}:\t${from}\n`);
      }
    }
    if (!c.volumeMounts.length) w.write(2, `Mounts:\t<none>\n`);
    else {
      w.write(2, `Mounts:\n`);
      for (const m of c.volumeMounts) w.write(3, `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'})\n`);
    }
  }
}

export function writeVolumes(w: DescribeWriter, volumes: Volume[], indent = ''): void {
  if (!volumes.length) {
    w.write(0, `${indent}Volumes:\t<none>\n`);
    return;
  }
  w.write(0, `${indent}Volumes:\n`);
  for (const v of volumes) {
    w.write(1, `${indent}${v.name}:\n`);
    if (v.emptyDir) {
      w.write(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n`);
      w.write(2, `Medium:\t${v.emptyDir.medium}\n`);
      w.write(2, `SizeLimit:\t${v.emptyDir.sizeLimit || '<unset>'}\n`);
    } else if (v.hostPath) {
      w.write(2, `Type:\tHostPath (bare host directory volume)\n`);
      w.write(2, `Path:\t${v.hostPath.path}\n`);
      w.write(2, `HostPathType:\t${v.hostPath.type}\n`);
    } else if (v.configMap) {
      w.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n`);
      w.write(2, `Name:\t${v.configMap.name}\n`);
      w.write(2, `Optional:\t${v.configMap.optional ?? false}\n`);
    } else if (v.secret) {
      w.write(2, `Type:\tSecret (a volume populated by a Secret)\n`);
      w.write(2, `SecretName:\t${v.secret.secretName}\n`);
      w.write(2, `Optional:\t${v.secret.optional ?? false}\n`);
    } else if (v.downwardAPI) {
      w.write(2, `Type:\tDownwardAPI (a volume populated by information about the pod)\n`);
      w.write(2, `Items:\n`);
      for (const item of v.downwardAPI.items) {
        const from = item.fieldRef?.fieldPath ?? item.resourceFieldRef?.resource ?? '';
        w.write(3, `${from} -> ${item.path}\n`);
      }
    } else if (v.projected) {
      writeProjected(w, v.projected.sources);
    }
  }
}

/** kubectl's printProjectedVolumeSource: one line per source; unset optionals print as <nil>. */
function writeProjected(w: DescribeWriter, sources: VolumeProjection[]): void {
  const optional = (o: boolean | undefined) => (o === undefined ? '<nil>' : String(o));
  w.write(2, `Type:\tProjected (a volume that contains injected data from multiple sources)\n`);
  for (const s of sources) {
    if (s.secret) {
      w.write(2, `SecretName:\t${s.secret.name}\n`);
      w.write(2, `SecretOptionalName:\t${optional(s.secret.optional)}\n`);
    } else if (s.downwardAPI) {
      w.write(2, `DownwardAPI:\ttrue\n`);
    } else if (s.configMap) {
      w.write(2, `ConfigMapName:\t${s.configMap.name}\n`);
      w.write(2, `ConfigMapOptional:\t${optional(s.configMap.optional)}\n`);
    } else if (s.serviceAccountToken) {
      w.write(2, `TokenExpirationSeconds:\t${s.serviceAccountToken.expirationSeconds ?? 3600}\n`);
    }
  }
}

/** "Tolerations:" one per line, as kubectl's printPodTolerationsMultiline writes them. */
export function writeTolerations(w: DescribeWriter, tolerations: Toleration[], indent = ''): void {
  w.write(0, `${indent}Tolerations:\t`);
  if (!tolerations.length) w.write(0, '<none>\n');
  tolerations.forEach((t, i) => {
    let s = t.key || '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) s += ` op=Exists`;
    if (t.tolerationSeconds !== undefined) s += ` for ${t.tolerationSeconds}s`;
    w.write(0, `${i ? `${indent}\t` : ''}${s.trim() || 'op=Exists'}\n`);
  });
}

/** "Pod Template:" of Deployments and ReplicaSets (kubectl's DescribePodTemplate). */
export function writePodTemplate(w: DescribeWriter, template: PodTemplateSpec | undefined): void {
  w.write(0, 'Pod Template:\n');
  writeLabels(w, 'Labels', template?.metadata?.labels, '  ');
  const annotations = template?.metadata?.annotations ?? {};
  if (Object.keys(annotations).length) writeAnnotations(w, annotations, '  ');
  const spec = template?.spec;
  if (spec?.initContainers.length) writeContainers(w, 'Init Containers', spec.initContainers, undefined, true);
  writeContainers(w, 'Containers', spec?.containers ?? [], undefined, true);
  writeVolumes(w, spec?.volumes ?? [], '  ');
  writeLabels(w, 'Node-Selectors', spec?.nodeSelector, '  ');
  writeTolerations(w, spec?.tolerations ?? [], '  ');
}
