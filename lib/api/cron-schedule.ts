// CronJob schedules as Kubernetes reads them with robfig/cron's ParseStandard: five fields
// (minute hour day-of-month month day-of-week) or a descriptor (@yearly, @annually, @monthly,
// @weekly, @daily, @midnight, @hourly), an optional TZ=/CRON_TZ= prefix, evaluated in a time
// zone from the IANA database. Shared by the CronJob validation and the CronJob controller.
import { CronExpressionParser, type CronExpression } from 'cron-parser';

/** The descriptors ParseStandard knows, as five-field expressions. */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Characters of cron-parser's extensions (L, W, #, H) that the standard parser refuses. */
const EXTENSIONS = /[LW#H]/;

/** A parsed schedule: `next(t)` is the first activation strictly after `t` (ms since the epoch). */
export interface Schedule {
  next(t: number): number;
}

/**
 * Parses a schedule as ParseStandard does, in `timeZone` (default UTC, or the schedule's own
 * TZ=/CRON_TZ= prefix). Throws robfig/cron's messages ("expected exactly 5 fields, found 4: ...").
 */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  let spec = schedule.trim();
  let tz = timeZone ?? 'UTC';
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(spec);
  if (prefix) {
    tz = prefix[1]!;
    spec = spec.slice(prefix[0].length).trim();
  }
  checkTimeZone(tz);
  if (spec.startsWith('@')) {
    const expanded = DESCRIPTORS[spec];
    if (!expanded) throw new Error(`unrecognized descriptor: ${spec}`);
    spec = expanded;
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${schedule}`);
  if (EXTENSIONS.test(spec)) throw new Error(`failed to parse int from ${fields.find((f) => EXTENSIONS.test(f))}: invalid syntax`);
  const expr: CronExpression = CronExpressionParser.parse(spec, { tz });
  return {
    next(t: number): number {
      expr.reset(new Date(Math.floor(t / 1000) * 1000));
      return expr.next().getTime();
    },
  };
}

/** Throws Go's time.LoadLocation error for a zone not in the IANA database. */
export function checkTimeZone(tz: string): void {
  if (tz === 'UTC' || tz === '') return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone ${tz}`);
  }
}

/** RFC 3339 of `ms` as seen in `timeZone` (Go's Time.In(loc).Format(time.RFC3339)). */
export function formatRFC3339In(ms: number, timeZone = 'UTC'): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  const offsetMin = Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
  const stamp = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  if (offsetMin === 0) return `${stamp}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${stamp}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
