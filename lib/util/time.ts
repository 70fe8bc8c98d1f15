// Kubernetes' timestamp formats: metav1.Time is RFC 3339 with seconds, MicroTime with microseconds.

/** The last second written: every write stamps times, most of them in the second the last one did. */
let lastSecond = NaN;
let lastText = '';

export function rfc3339(d: Date = new Date()): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastText = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}

export function rfc3339Micro(d: Date = new Date()): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

/** Parses either format; NaN for an empty or bad string. */
export function parseTime(s: string | undefined): number {
  return s ? Date.parse(s) : NaN;
}
