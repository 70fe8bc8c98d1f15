// Structured logging for every component (pino). Logs go to stderr so stdout stays for output
// users read (kitectl) or pipe. KITE_LOG_LEVEL sets the level (the test setup makes it "silent").
import pino, { type Logger } from 'pino';

export type { Logger };

const defaultLevel = process.env.KITE_LOG_LEVEL ?? 'info';

const root: Logger = pino({ level: defaultLevel, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));

/** A logger for one component ("apiserver", "scheduler"), with optional bound fields. */
export function logger(component: string, fields: Record<string, unknown> = {}): Logger {
  return root.child({ component, ...fields });
}

export function setLogLevel(level: string): void {
  root.level = level;
}
