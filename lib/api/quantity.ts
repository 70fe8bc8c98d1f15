// Kubernetes resource quantities ("500m", "1", "128Mi", "1Gi", "1e3", "0.5"), parsed exactly with
// bigints so that "0.1" cpu is 100 milli-units and "1Ei" bytes is not rounded on the way in.
// Kubernetes rounds every conversion to an integer up, away from zero; so do value() and milliValue().
// No quantity may exceed 2^63-1 in magnitude (Kubernetes caps larger ones): conversions are capped
// there, and a huge exponent ("1e999999999") is recognised as too large without being computed.

const PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;

const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Kubernetes' bound on a quantity's magnitude, 2^63-1. */
export const MAX_QUANTITY = 2n ** 63n - 1n;
/** Significant digits kept from the input; the rest only round the last one up (as the value is rounded up anyway). */
const MAX_DIGITS = 64;

export class QuantityError extends Error {
  constructor(readonly input: string) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "${input}"`);
    this.name = 'QuantityError';
  }
}

/** An exact quantity: digits x 10^exp10 x 2^exp2. */
export class Quantity {
  private constructor(
    private readonly digits: bigint,
    private readonly exp10: number,
    private readonly exp2: number,
  ) {}

  static parse(input: string): Quantity {
    const m = PATTERN.exec(input.trim());
    if (!m) throw new QuantityError(input);
    const [, sign, number, suffix = ''] = m;
    const dot = number.indexOf('.');
    const whole = dot < 0 ? number : number.slice(0, dot);
    const fraction = dot < 0 ? '' : number.slice(dot + 1);
    let exp10 = -fraction.length;
    let significant = (whole + fraction).replace(/^0+/, '');
    let roundUp = false;
    if (significant.length > MAX_DIGITS) {
      const dropped = significant.slice(MAX_DIGITS);
      significant = significant.slice(0, MAX_DIGITS);
      exp10 += dropped.length;
      roundUp = /[1-9]/.test(dropped);
    }
    let digits = BigInt(significant || '0') + (roundUp ? 1n : 0n);
    if (sign === '-') digits = -digits;
    let exp2 = 0;
    if (suffix in BINARY_SUFFIXES) exp2 = BINARY_SUFFIXES[suffix];
    else if (suffix in DECIMAL_SUFFIXES) exp10 += DECIMAL_SUFFIXES[suffix];
    else if (suffix !== '') exp10 += Number(suffix.slice(1));
    return new Quantity(digits, exp10, exp2);
  }

  /** The value scaled by 10^scale, as an integer rounded away from zero, capped at ±(2^63-1). */
  scaled(scale: number): bigint {
    const exact = this.scaledExact(scale);
    if (exact === undefined) return this.digits < 0n ? -MAX_QUANTITY : MAX_QUANTITY;
    if (exact > MAX_QUANTITY) return MAX_QUANTITY;
    return exact < -MAX_QUANTITY ? -MAX_QUANTITY : exact;
  }

  /** Whether the value is above 2^63-1 in magnitude, which Kubernetes cannot represent. */
  exceedsMax(): boolean {
    const v = this.scaledExact(0);
    return v === undefined || v > MAX_QUANTITY || v < -MAX_QUANTITY;
  }

  /**
   * Thousandths, exact and uncapped for any quantity Kubernetes can hold (up to 2^63-1 units:
   * 1Ei is 2^60 units, beyond 2^63 thousandths), for printing it.
   */
  exactMilli(): bigint {
    return this.scaledExact(3, 23) ?? this.scaled(3);
  }

  /** Billionths, exact and uncapped for any quantity Kubernetes can hold: Kubernetes' own precision (1n). */
  exactNano(): bigint {
    return this.scaledExact(9, 29) ?? this.scaled(9);
  }

  /** The exact scaled value, or undefined when it is certainly beyond 10^maxDigits (not computed). */
  private scaledExact(scale: number, maxDigits = 19): bigint | undefined {
    if (this.digits === 0n) return 0n;
    const n = this.digits * (1n << BigInt(this.exp2));
    const exp = this.exp10 + scale;
    const width = (n < 0n ? -n : n).toString().length;
    // |n| x 10^exp is at least 10^(width - 1 + exp).
    if (width - 1 + exp > maxDigits) return undefined;
    if (exp >= 0) return n * 10n ** BigInt(exp);
    // Below one unit: rounded away from zero.
    if (-exp > width) return n < 0n ? -1n : 1n;
    const d = 10n ** BigInt(-exp);
    const q = n / d;
    if (q * d === n) return q;
    return n < 0n ? q - 1n : q + 1n;
  }

  /** Whole units (bytes, pods), rounded up as Kubernetes' Quantity.Value() does. */
  value(): number {
    return Number(this.scaled(0));
  }

  /** Thousandths (cpu milli-cores), rounded up as Kubernetes' Quantity.MilliValue() does. */
  milliValue(): number {
    return Number(this.scaled(3));
  }

  isZero(): boolean {
    return this.digits === 0n;
  }
}

export function parseQuantity(input: string): Quantity {
  return Quantity.parse(input);
}

export function isValidQuantity(input: string): boolean {
  return PATTERN.test(input.trim());
}

/** Whole units of a quantity string ("128Mi" -> 134217728, "2" -> 2). */
export function quantityValue(input: string): number {
  return Quantity.parse(input).value();
}

/** Milli-units of a quantity string ("500m" -> 500, "1" -> 1000, "0.1" -> 100). */
export function quantityMilliValue(input: string): number {
  return Quantity.parse(input).milliValue();
}

/**
 * Canonical text for an integer amount, as Kubernetes prints it: the largest suffix that keeps
 * the number whole ("BinarySI": 8589934592 -> "8Gi", 1000 -> "1000"; "DecimalSI": 2000 -> "2k").
 */
export function formatQuantity(amount: number, format: 'BinarySI' | 'DecimalSI'): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`cannot format ${amount} as a quantity`);
  if (amount === 0) return '0';
  const [base, suffixes] =
    format === 'BinarySI' ? [1024, ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']] : [1000, ['', 'k', 'M', 'G', 'T', 'P', 'E']];
  let n = amount;
  let i = 0;
  while (i < suffixes.length - 1 && n % base === 0) {
    n /= base;
    i++;
  }
  return `${n}${suffixes[i]}`;
}

/** Canonical text for milli-units: 500 -> "500m", 2000 -> "2". */
export function formatMilliQuantity(milli: number): string {
  if (!Number.isSafeInteger(milli)) throw new RangeError(`cannot format ${milli}m as a quantity`);
  return milli % 1000 === 0 ? formatQuantity(milli / 1000, 'DecimalSI') : `${milli}m`;
}

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

/** The format a quantity's suffix chose: "Ki".."Ei" binary, "e3" exponent, anything else decimal. */
export function quantityFormat(input: string): QuantityFormat {
  const t = input.trim();
  if (/[KMGTPE]i$/.test(t)) return 'BinarySI';
  return /\d[eE][+-]?\d+$/.test(t) ? 'DecimalExponent' : 'DecimalSI';
}

const DECIMAL_STEPS = ['m', '', 'k', 'M', 'G', 'T', 'P', 'E'];
const EXPONENT_STEPS = ['e-3', '', 'e3', 'e6', 'e9', 'e12', 'e15', 'e18'];
const BINARY_STEPS = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * An amount in milli-units as Kubernetes' Quantity.String() prints it in `format`: the largest
 * suffix that keeps the number whole (binary only for whole amounts of at least 1024, as
 * Kubernetes falls back to decimal below that).
 */
export function formatMilliAmount(milli: bigint, format: QuantityFormat): string {
  const sign = milli < 0n ? '-' : '';
  let n = milli < 0n ? -milli : milli;
  if (n === 0n) return '0';
  if (format === 'BinarySI' && n % 1000n === 0n && n >= 1024n * 1000n) {
    n /= 1000n;
    let i = 0;
    while (i < BINARY_STEPS.length - 1 && n % 1024n === 0n) {
      n /= 1024n;
      i++;
    }
    return `${sign}${n}${BINARY_STEPS[i]}`;
  }
  const steps = format === 'DecimalExponent' ? EXPONENT_STEPS : DECIMAL_STEPS;
  let i = 0;
  while (i < steps.length - 1 && n % 1000n === 0n) {
    n /= 1000n;
    i++;
  }
  return `${sign}${n}${steps[i]}`;
}

const NANO_DECIMAL_STEPS = ['n', 'u', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'];
const NANO_EXPONENT_STEPS = ['e-9', 'e-6', 'e-3', '', 'e3', 'e6', 'e9', 'e12', 'e15', 'e18'];

/**
 * A quantity as Kubernetes' Quantity.String() prints it, at Kubernetes' precision of 1n (finer
 * amounts round up): "1024Mi" -> "1Gi", "0.5" -> "500m", "0.1m" -> "100u", "1536Mi" stays.
 */
export function canonicalQuantity(input: string): string {
  const nano = Quantity.parse(input).exactNano();
  const format = quantityFormat(input);
  const sign = nano < 0n ? '-' : '';
  let n = nano < 0n ? -nano : nano;
  if (n === 0n) return '0';
  if (format === 'BinarySI' && n % 1_000_000_000n === 0n) return formatMilliAmount(nano / 1_000_000n, format);
  const steps = format === 'DecimalExponent' ? NANO_EXPONENT_STEPS : NANO_DECIMAL_STEPS;
  let i = 0;
  while (i < steps.length - 1 && n % 1000n === 0n) {
    n /= 1000n;
    i++;
  }
  return `${sign}${n}${steps[i]}`;
}

/**
 * The sum of quantities as Kubernetes' Quantity.Add leaves it: in the first one's format
 * ("512Ki" + "512Ki" -> "1Mi", "100m" + "150m" -> "250m"); "0" for none.
 */
export function sumQuantities(values: readonly string[]): string {
  if (values.length === 0) return '0';
  const nano = values.reduce((sum, v) => sum + Quantity.parse(v).exactNano(), 0n);
  const format = quantityFormat(values[0]);
  if (format !== 'DecimalSI' && nano % 1_000_000n === 0n) return formatMilliAmount(nano / 1_000_000n, format);
  return canonicalQuantity(`${nano}n`);
}
