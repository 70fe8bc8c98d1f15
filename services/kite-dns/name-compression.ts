// DNS name compression (RFC 1035 4.1.4) for the messages dns-packet encodes, since its encoder
// writes every name in full: a second pass rewrites each question and record owner name so that
// the longest suffix already written is a two-byte pointer to it. Without it an A record for a
// Service name costs ~45 bytes instead of 16, and a headless Service with a dozen endpoints would
// not fit the 512 bytes of plain UDP. Record data is copied untouched (its lengths stay right).
const POINTER = 0xc0;
/** Pointers hold 14 bits of offset. */
const MAX_POINTER_OFFSET = 0x3fff;

/** The message with its owner names compressed; a malformed message is returned as it is. */
export function compressNames(wire: Buffer): Buffer {
  if (wire.length < 12) return wire;
  const out = Buffer.allocUnsafe(wire.length);
  wire.copy(out, 0, 0, 12);
  const counts = [wire.readUInt16BE(4), wire.readUInt16BE(6), wire.readUInt16BE(8), wire.readUInt16BE(10)];
  /** Suffix (label bytes as latin1) -> its offset in `out`. */
  const seen = new Map<string, number>();
  let r = 12;
  let w = 12;

  const copyName = (): boolean => {
    const start = r;
    /** Where each label starts, relative to the name. */
    const starts: number[] = [];
    for (;;) {
      if (r >= wire.length) return false;
      const len = wire[r];
      if (len === 0) break;
      if (len & POINTER) return false;
      starts.push(r - start);
      r += 1 + len;
    }
    const name = wire.toString('latin1', start, r);
    r++;
    for (let i = 0; i < starts.length; i++) {
      const suffix = name.slice(starts[i]);
      const at = seen.get(suffix);
      if (at !== undefined) {
        out.writeUInt16BE((POINTER << 8) | at, w);
        w += 2;
        return true;
      }
      if (w <= MAX_POINTER_OFFSET) seen.set(suffix, w);
      const end = i + 1 < starts.length ? starts[i + 1] : name.length;
      wire.copy(out, w, start + starts[i], start + end);
      w += end - starts[i];
    }
    out[w++] = 0;
    return true;
  };

  for (let q = 0; q < counts[0]; q++) {
    if (!copyName() || r + 4 > wire.length) return wire;
    wire.copy(out, w, r, r + 4);
    r += 4;
    w += 4;
  }
  const records = counts[1] + counts[2] + counts[3];
  for (let i = 0; i < records; i++) {
    if (!copyName() || r + 10 > wire.length) return wire;
    const rdlength = wire.readUInt16BE(r + 8);
    if (r + 10 + rdlength > wire.length) return wire;
    wire.copy(out, w, r, r + 10 + rdlength);
    r += 10 + rdlength;
    w += 10 + rdlength;
  }
  return r === wire.length ? out.subarray(0, w) : wire;
}
