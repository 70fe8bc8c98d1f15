// Key ranges for prefix scans. Both backends order keys by their UTF-8 bytes, and UTF-8 byte
// order equals code point order, so ranges can be computed on code points.

/**
 * The smallest key greater than every key starting with prefix ("" = no upper bound): the prefix
 * with its last code point incremented, as etcd's clientv3.GetPrefixRangeEnd does on bytes.
 */
export function prefixEnd(prefix: string): string {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    let last = points.pop()!;
    if (last < 0x10ffff) {
      last += 1;
      if (last === 0xd800) last = 0xe000; // skip the surrogate block: not valid scalar values
      return String.fromCodePoint(...points, last);
    }
  }
  return '';
}

/** Where a scan of prefix resumes after startAfter: the first key greater than both bounds. */
export function rangeStart(prefix: string, startAfter?: string): string {
  if (startAfter === undefined) return prefix;
  const next = startAfter + '\0';
  return Buffer.compare(Buffer.from(next), Buffer.from(prefix)) > 0 ? next : prefix;
}
