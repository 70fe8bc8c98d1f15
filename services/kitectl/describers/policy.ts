// `describe limitrange` and `describe quota`, as kubectl's describeLimitRange and describeQuota
// print them: a LimitRange as one table row per limit type and resource, a ResourceQuota as its
// scopes (with kubectl's help text) and a Resource / Used / Hard table; and the namespace's
// quotas and limit ranges as `describe namespace` lists them (DescribeResourceQuotas,
// DescribeLimitRanges).
import { canonicalQuantity, isValidQuantity } from '../../../lib/api/quantity';
import type { LimitRange, ResourceQuota } from '../../../lib/gen/kite/core/v1/types';
import { DescribeWriter } from './describe-writer';

/** Quantities as the API serves them (canonical: "1024Mi" is "1Gi"). */
const shown = (q: string | undefined) => (q === undefined ? '-' : isValidQuantity(q) ? canonicalQuantity(q) : q);

/** One row per limit type and resource, each line starting with `prefix`. */
function writeLimitRows(w: DescribeWriter, lr: LimitRange, prefix = ''): void {
  for (const item of lr.spec?.limits ?? []) {
    const maps = [item.min, item.max, item.defaultRequest, item.default, item.maxLimitRequestRatio];
    const resources = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
    for (const r of resources) w.write(0, `${prefix}${item.type}\t${r}\t${maps.map((m) => shown(m[r])).join('\t')}\n`);
  }
}

export function describeLimitRange(lr: LimitRange): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${lr.metadata?.name}\n`);
  w.write(0, `Namespace:\t${lr.metadata?.namespace}\n`);
  w.write(0, 'Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n');
  w.write(0, '----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n');
  writeLimitRows(w, lr);
  return w.toString();
}

/** A namespace's limit ranges under "Resource Limits", or kubectl's "No LimitRange resource.". */
export function writeNamespaceLimitRanges(w: DescribeWriter, limitRanges: LimitRange[]): void {
  if (!limitRanges.length) {
    w.write(0, 'No LimitRange resource.\n');
    return;
  }
  w.write(0, 'Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n');
  w.write(0, ' ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n');
  for (const lr of limitRanges) writeLimitRows(w, lr, ' ');
}

/** A namespace's quotas under "Resource Quotas" (the resources of their status, as kubectl lists them), or "No resource quota.". */
export function writeNamespaceQuotas(w: DescribeWriter, quotas: ResourceQuota[]): void {
  if (!quotas.length) {
    w.write(0, 'No resource quota.\n');
    return;
  }
  w.write(0, 'Resource Quotas\n');
  for (const q of [...quotas].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    w.write(1, `Name:\t${q.metadata?.name}\n`);
    const scopes = [...(q.spec?.scopes ?? [])].sort();
    if (scopes.length) {
      w.write(1, `Scopes:\t${scopes.join(', ')}\n`);
      for (const s of scopes) if (SCOPE_HELP[s]) w.write(1, `* ${SCOPE_HELP[s]}\n`);
    }
    w.write(1, 'Resource\tUsed\tHard\n');
    w.write(1, '--------\t---\t---\n');
    const hard = q.status?.hard ?? {};
    for (const r of Object.keys(hard).sort()) w.write(1, `${r}\t${shown(q.status?.used[r] ?? '0')}\t${shown(hard[r])}\n`);
  }
}

const SCOPE_HELP: Record<string, string> = {
  Terminating: 'Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.',
  NotTerminating: 'Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.',
  BestEffort: 'Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.',
  NotBestEffort: 'Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.',
};

export function describeResourceQuota(q: ResourceQuota): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${q.metadata?.name}\n`);
  w.write(0, `Namespace:\t${q.metadata?.namespace}\n`);
  const scopes = [...(q.spec?.scopes ?? [])].sort();
  if (scopes.length) {
    w.write(0, `Scopes:\t${scopes.join(', ')}\n`);
    for (const s of scopes) if (SCOPE_HELP[s]) w.write(0, `* ${SCOPE_HELP[s]}\n`);
  }
  w.write(0, 'Resource\tUsed\tHard\n');
  w.write(0, '--------\t----\t----\n');
  // Status catches up with a new quota within a sync; until then the spec's limits are shown.
  const hard = Object.keys(q.status?.hard ?? {}).length ? q.status!.hard : (q.spec?.hard ?? {});
  for (const r of Object.keys(hard).sort()) w.write(0, `${r}\t${shown(q.status?.used[r] ?? '0')}\t${shown(hard[r])}\n`);
  return w.toString();
}
