// Durations in flags as Kubernetes components take them ("50s", "1m30s", "500ms", "2h"); a
// bare number means seconds.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds; throws with the flag's name on a malformed value. */
export function parseDuration(value: string, flag: string): number {
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== v) {
    throw new Error(`invalid value "${value}" for ${flag}: a duration like 50s, 1m30s or 500ms`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]], 0);
}
