// Kubernetes resource quantities ("500m", "1.5", "128Mi", "1G", "1e3"), enough to add requests
// up and show them as a share of a node's allocatable, as `describe node` does.

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes); NaN if it is not a quantity. */
export function parseQuantity(s: string | undefined): number {
  if (!s) return 0;
  const m = s.trim().match(/^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/);
  if (!m) return NaN;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  return n * SUFFIX[m[3] ?? ''];
}

/** CPU as kubectl prints sums: whole cores plainly, else millicores ("150m"). */
export function formatCPU(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes with the largest binary suffix that divides them exactly ("96Mi"), as Kubernetes canonicalises. */
export function formatBytes(bytes: number): string {
  const b = Math.round(bytes);
  if (b === 0) return '0';
  for (const [suffix, size] of [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (b % size === 0) return `${b / size}${suffix}`;
  }
  return String(b);
}

export function formatResource(name: string, value: number): string {
  return name === 'cpu' ? formatCPU(value) : name === 'memory' || name.endsWith('storage') ? formatBytes(value) : String(value);
}
