/** The one JSON line every benchmark ends with (DESIGN.md, "Contracts"). */
export interface BenchResult {
  bench: string;
  unit: string;
  ours: number;
  baseline: number;
  ratio: number;
  limit: number | null;
  notes: string;
  /** Figures a bench adds beside the contract's (scale's `throttled`, track's p99s, backlog's claims). */
  [extra: string]: string | number | boolean | null;
}

export function report(result: BenchResult): void {
  console.log(JSON.stringify(result));
}
