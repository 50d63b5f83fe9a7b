import type { ReactNode } from 'react';
import type { Cached, PerformanceReport, PerformanceRow } from '@/lib/klaviyo-next/browser';
import ui from '../ui.module.css';

type Report = Cached<PerformanceReport> | undefined;

/**
 * Campaigns and flows show Klaviyo's cached performance report beside their rows, joined by id.
 * `metric` is one cell: the picked value, a skeleton while the first report is on its way,
 * or a dash when the report has no row for that id (or could not be read).
 */
export function performanceOf(report: Report) {
  const stats = new Map<string, PerformanceRow>((report?.value?.rows ?? []).map((r) => [r.id, r]));
  const currency = report?.value?.currency ?? 'USD';
  const metric = (id: string, pick: (r: PerformanceRow) => string): ReactNode => {
    const row = stats.get(id);
    if (row) return pick(row);
    if (!report?.value && (report?.refreshing || report?.nextRefreshAt))
      return <span className={ui.skeleton} style={{ display: 'inline-block', width: 44 }} />;
    return <span className={ui.muted}>—</span>;
  };
  return { currency, metric };
}

/** Says why the metric columns show dashes when the report could not be read at all. */
export function PerformanceError({ report }: { report: Report }) {
  if (!report?.error || report.value) return null;
  return (
    <div className={ui.errorBox} style={{ margin: 16 }}>
      Performance is unavailable: {report.error}
    </div>
  );
}
