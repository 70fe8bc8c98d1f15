// Kubernetes' intstr.GetScaledValueFromIntOrPercent: "25%" of a total, rounded up or down, or a
// plain number of pods.

/** `value` as a count out of `total`; throws for a string that is not a percentage. */
export function scaledValue(value: number | string | undefined | null, total: number, roundUp: boolean): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    // A numeric string is a count in manifests that quote it.
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: invalid value "${value}": must be an integer or a percentage`);
  }
  const v = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(v) : Math.floor(v);
}
