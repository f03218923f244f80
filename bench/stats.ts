// median [min..max] over rounds, the way every number of the report is summarised.

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

export function formatSpread(value: Spread, digits = 0): string {
  if (!Number.isFinite(value.median)) return 'n/a';
  const format = (number: number) => number.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${format(value.median)} [${format(value.min)}..${format(value.max)}]`;
}

/** Whether a sampled span count is plausible: exact at ratio 1, within 4 sigma of binomial otherwise. */
export function spansMatch(received: number, calls: number, ratio: number): boolean {
  if (ratio === 0) return received === 0;
  if (ratio === 1) return received === calls;
  const expected = calls * ratio;
  return Math.abs(received - expected) <= 4 * Math.sqrt(calls * ratio * (1 - ratio)) + 1;
}
