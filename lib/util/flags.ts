// Parsers for command-line flag values, shared by every component's main.ts (commander's
// argument parsers): durations in Kubernetes' syntax and bounded integers, with errors that
// name what was wrong.
import { InvalidArgumentError, Option } from 'commander';
import { parseDuration } from './duration';

/** A non-negative Go duration ("30s", "1m30s", "500ms"), as milliseconds. */
export function durationFlag(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError(`${(err as Error).message}: want a duration such as 30s, 1m30s or 500ms`);
  }
  if (ms < 0) throw new InvalidArgumentError('must not be negative');
  return ms;
}

/** An integer no smaller than `min` and no greater than `max`. */
export function integerFlag(min = 0, max = Infinity): (value: string) => number {
  return (value: string) => {
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
    if (n < min) throw new InvalidArgumentError(`must be at least ${min}`);
    if (n > max) throw new InvalidArgumentError(`must be at most ${max}`);
    return n;
  };
}

/** A non-negative number (fractions allowed). */
export function numberFlag(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('not a non-negative number');
  return n;
}

/** A duration option whose value is milliseconds, shown with its default as written ("15s"). */
export function durationOption(flags: string, description: string, defaultValue?: string): Option {
  const o = new Option(flags, description).argParser(durationFlag);
  return defaultValue === undefined ? o : o.default(durationFlag(defaultValue), defaultValue);
}
