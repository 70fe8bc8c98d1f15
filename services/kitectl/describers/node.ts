// `describe node`: conditions, addresses, capacity, the pods on it and what they request.
import type { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import type { Container, Event, Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { rfc1123z, since } from '../../../lib/printers/age';
import { nodeRoles } from '../../../lib/printers/table-columns';
import { formatMilliQuantity, formatQuantity, isValidQuantity, quantityMilliValue, quantityValue } from '../../../lib/api/quantity';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';

/** Amounts per resource name: milli-cores for cpu, whole units (bytes, pods) otherwise. */
type Amounts = Record<string, number>;

function amount(name: string, q: string): number {
  if (!isValidQuantity(q)) return 0;
  return name === 'cpu' ? quantityMilliValue(q) : quantityValue(q);
}

function formatAmount(name: string, n: number): string {
  if (name === 'cpu') return formatMilliQuantity(n);
  return formatQuantity(n, name === 'memory' || name.endsWith('storage') ? 'BinarySI' : 'DecimalSI');
}

function sum(containers: Container[], which: 'requests' | 'limits'): Amounts {
  const out: Amounts = {};
  for (const c of containers) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) out[k] = (out[k] ?? 0) + amount(k, v);
  }
  return out;
}

/** A pod's effective requests/limits: the containers' sum, or the largest init container if bigger. */
export function podResources(pod: Pod, which: 'requests' | 'limits'): Amounts {
  const out = sum(pod.spec?.containers ?? [], which);
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) out[k] = Math.max(out[k] ?? 0, amount(k, v));
  }
  return out;
}

function share(name: string, value: number, allocatable: Amounts): string {
  const total = allocatable[name] ?? 0;
  const pct = total > 0 ? Math.trunc((value / total) * 100) : 0;
  return `${formatAmount(name, value)} (${pct}%)`;
}

export function describeNode(node: Node, pods: Pod[], lease: Lease | undefined, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  const m = node.metadata;
  const spec = node.spec;
  const st = node.status;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Roles:\t${nodeRoles(node)}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m?.creationTimestamp)}\n`);
  const taints = spec?.taints ?? [];
  w.write(0, 'Taints:\t');
  if (!taints.length) w.write(0, '<none>\n');
  taints.forEach((t, i) => w.write(0, `${i ? '\t' : ''}${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`));
  w.write(0, `Unschedulable:\t${spec?.unschedulable ? 'true' : 'false'}\n`);
  if (lease) {
    w.write(0, 'Lease:\n');
    w.write(1, `HolderIdentity:\t${lease.spec?.holderIdentity || '<unset>'}\n`);
    w.write(1, `AcquireTime:\t${rfc1123z(lease.spec?.acquireTime)}\n`);
    w.write(1, `RenewTime:\t${rfc1123z(lease.spec?.renewTime)}\n`);
  }
  w.write(0, 'Conditions:\n');
  w.write(1, 'Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
  w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
  for (const c of st?.conditions ?? []) {
    w.write(1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason} \t${c.message}\n`);
  }
  w.write(0, 'Addresses:\n');
  for (const a of st?.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
  for (const [title, values] of [['Capacity', st?.capacity], ['Allocatable', st?.allocatable]] as const) {
    w.write(0, `${title}:\n`);
    for (const k of Object.keys(values ?? {}).sort()) w.write(1, `${k}:\t${values![k]}\n`);
  }
  const info = st?.nodeInfo;
  if (info) {
    w.write(0, 'System Info:\n');
    w.write(1, `Machine ID:\t${info.machineID}\n`);
    w.write(1, `System UUID:\t${info.systemUUID}\n`);
    w.write(1, `Boot ID:\t${info.bootID}\n`);
    w.write(1, `Kernel Version:\t${info.kernelVersion}\n`);
    w.write(1, `OS Image:\t${info.osImage}\n`);
    w.write(1, `Operating System:\t${info.operatingSystem}\n`);
    w.write(1, `Architecture:\t${info.architecture}\n`);
    w.write(1, `Container Runtime Version:\t${info.containerRuntimeVersion}\n`);
    w.write(1, `Kubelet Version:\t${info.kubeletVersion}\n`);
    w.write(1, `Kube-Proxy Version:\t${info.kubeProxyVersion}\n`);
  }
  if (spec?.podCIDR) w.write(0, `PodCIDR:\t${spec.podCIDR}\n`);
  if (spec?.podCIDRs.length) w.write(0, `PodCIDRs:\t${spec.podCIDRs.join(',')}\n`);
  if (spec?.providerID) w.write(0, `ProviderID:\t${spec.providerID}\n`);

  const allocatable: Amounts = {};
  for (const [k, v] of Object.entries(st?.allocatable ?? {})) allocatable[k] = amount(k, v);
  const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  w.write(0, `Non-terminated Pods:\t(${running.length} in total)\n`);
  const totals = { requests: {} as Amounts, limits: {} as Amounts };
  if (running.length) {
    w.write(1, 'Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
    w.write(1, '---------\t----\t------------\t----------\t---------------\t-------------\t---\n');
    for (const p of running) {
      const req = podResources(p, 'requests');
      const lim = podResources(p, 'limits');
      for (const [k, v] of Object.entries(req)) totals.requests[k] = (totals.requests[k] ?? 0) + v;
      for (const [k, v] of Object.entries(lim)) totals.limits[k] = (totals.limits[k] ?? 0) + v;
      w.write(
        1,
        `${p.metadata?.namespace}\t${p.metadata?.name}\t${share('cpu', req.cpu ?? 0, allocatable)}\t${share('cpu', lim.cpu ?? 0, allocatable)}\t` +
          `${share('memory', req.memory ?? 0, allocatable)}\t${share('memory', lim.memory ?? 0, allocatable)}\t${since(p.metadata?.creationTimestamp, now)}\n`,
      );
    }
  }
  w.write(0, 'Allocated resources:\n');
  w.write(1, '(Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(1, 'Resource\tRequests\tLimits\n');
  w.write(1, '--------\t--------\t------\n');
  const names = new Set(['cpu', 'memory', ...Object.keys(totals.requests), ...Object.keys(totals.limits)]);
  for (const k of names) {
    w.write(1, `${k}\t${share(k, totals.requests[k] ?? 0, allocatable)}\t${share(k, totals.limits[k] ?? 0, allocatable)}\n`);
  }
  writeEvents(w, events, now);
  return w.toString();
}
