/** The q-th percentile (0..1) of samples, by the nearest-rank method. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Rounded for a report line: enough digits to compare, no float noise. */
export const round = (n: number, digits = 3) => Number(n.toFixed(digits));
