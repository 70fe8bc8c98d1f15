// Durations as Kubernetes components read and print them: Go's time.ParseDuration syntax ("300ms",
// "1.5h", "2h45m", "0") and time.Duration's String() ("10s", "2m40s", "5m0s", "500ms").

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds of a Go duration; throws with Go's wording on a malformed one. */
export function parseDuration(text: string): number {
  const t = text.trim();
  let i = 0;
  let sign = 1;
  if (t[0] === '-' || t[0] === '+') {
    sign = t[0] === '-' ? -1 : 1;
    i = 1;
  }
  if (t.slice(i) === '0') return 0;
  if (i === t.length) throw new Error(`time: invalid duration "${text}"`);
  let ms = 0;
  while (i < t.length) {
    PART.lastIndex = i;
    const m = PART.exec(t);
    if (!m) {
      const missingUnit = /^(\d+\.?\d*|\.\d+)$/.test(t.slice(i));
      throw new Error(missingUnit ? `time: missing unit in duration "${text}"` : `time: invalid duration "${text}"`);
    }
    ms += Number(m[1]) * UNIT_MS[m[2]];
    i = PART.lastIndex;
  }
  return sign * ms;
}

/** Go's Duration.String() of a whole number of milliseconds: "0s", "500ms", "10s", "1m30s", "5m0s", "1h0m0s". */
export function formatDuration(ms: number): string {
  const total = Math.round(ms);
  if (total === 0) return '0s';
  const sign = total < 0 ? '-' : '';
  let rest = Math.abs(total);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  const sec = `${Number.isInteger(s) ? s : String(s)}s`;
  if (h > 0) return `${sign}${h}h${m}m${sec}`;
  if (m > 0) return `${sign}${m}m${sec}`;
  return `${sign}${sec}`;
}
