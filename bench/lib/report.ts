/** The one JSON line every benchmark ends with (DESIGN.md, "Contracts"). */
export interface BenchResult {
  bench: string;
  unit: string;
  ours: number;
  baseline: number;
  ratio: number;
  limit: number | null;
  notes: string;
}

export function report(result: BenchResult): void {
  console.log(JSON.stringify(result));
}
